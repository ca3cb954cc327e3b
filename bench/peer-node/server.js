// The Node.js peer for hoidap's fan-out benchmark: the same workload on the
// `ws` library's documented broadcast pattern. Votes are counted in memory
// and acknowledged at once (`{"type":"ack","id","seq"}`); the changed counts
// go out as one delta (the same JSON shape as hoidap's), serialised once and
// sent to every open client, with hoidap's rule: at once after a quiet
// period, then no sooner than the last fan-out's time over a budget of half
// a core (at least 1 ms apart).
//
// Usage: node server.js PORT
'use strict';
const http = require('http');
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 9002);
const server = http.createServer((req, res) => res.end('ok'));
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false, maxPayload: 16 * 1024 });

const votes = new Map();
const changed = new Set();
let seq = 0;
let prev = 0;

wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    let msg;
    try { msg = JSON.parse(data); } catch { return; }
    if (msg.type !== 'request' || !msg.action || msg.action.type !== 'vote') return;
    const q = msg.action.question;
    const v = votes.get(q) || 0;
    votes.set(q, msg.action.up ? v + 1 : Math.max(0, v - 1));
    changed.add(q);
    seq += 1;
    ws.send(JSON.stringify({ type: 'ack', id: msg.id, seq }));
    schedule();
  });
});

const BUDGET = 0.5;
let lastFlush = 0;
let intervalMs = 1;
let timer = null;
function schedule() {
  if (timer) return;
  const wait = Math.max(0, lastFlush + intervalMs - performance.now());
  timer = setTimeout(() => { timer = null; flush(); }, wait);
}

function flush() {
  if (changed.size === 0) return;
  const started = performance.now();
  const counts = [...changed].sort((a, b) => a - b).map((id) => ({ id, votes: votes.get(id) }));
  changed.clear();
  const frame = JSON.stringify({
    type: 'delta', epoch: '0123456789abcdef', prev, seq,
    changes: [{ type: 'votes', counts }],
  });
  prev = seq;
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(frame);
  }
  lastFlush = performance.now();
  intervalMs = Math.min(1000, Math.max(1, (lastFlush - started) / BUDGET));
}

server.listen(port, '127.0.0.1');
