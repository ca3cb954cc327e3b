import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, backoffDelay, requestId } from '../../app/js/client.js';
import { Outbox, memoryStore } from '../../app/js/outbox.js';

test('backoff: full jitter under a ceiling from half a second to ten', () => {
  assert.equal(backoffDelay(0, 0), 100, 'never a busy loop');
  assert.equal(backoffDelay(0, 0.999), 500);
  assert.equal(backoffDelay(1, 0.999), 999);
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const r of [0, 0.3, 0.999]) {
      const d = backoffDelay(attempt, r);
      assert.ok(d >= 100 && d <= 10_000, `${attempt} ${r} -> ${d}`);
    }
  }
  assert.equal(backoffDelay(20, 0.999), 9990);
  // 500 phones after a few failures spread over the whole ten seconds.
  const delays = Array.from({ length: 500 }, (_, i) => backoffDelay(6, i / 500));
  assert.ok(Math.min(...delays) <= 100 && Math.max(...delays) >= 9_900);
});

test('request ids are random hex within the 64-character limit', () => {
  const a = requestId();
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.notEqual(a, requestId());
});

// --- the session against a fake socket ------------------------------------------

class FakeSocket {
  static OPEN = 1;
  /** @type {FakeSocket[]} */
  static all = [];
  /** @param {string} url */
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    /** @type {any[]} */
    this.sent = [];
    /** @type {any} */
    this.onopen = null;
    /** @type {any} */
    this.onmessage = null;
    /** @type {any} */
    this.onclose = null;
    FakeSocket.all.push(this);
  }
  /** @param {string} data */
  send(data) { this.sent.push(JSON.parse(data)); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen?.(); }
  /** @param {object} msg */
  receive(msg) { this.onmessage?.({ data: JSON.stringify(msg) }); }
  /** @param {number} code */
  closed(code) { this.readyState = 3; this.onclose?.({ code }); }
  requests() { return this.sent.filter((m) => m.type === 'request'); }
}

const SNAPSHOT = {
  epoch: 'E1', seq: 5, title: 'Hội nghị', join_code: 'K7PQ2M',
  settings: { pre_moderation: false, allow_anonymous: true, max_length: 500 },
  phase: 'open', current: null, questions: [],
};

beforeEach(() => {
  FakeSocket.all = [];
  // @ts-ignore a stand-in for the browser's globals
  globalThis.WebSocket = FakeSocket;
  // @ts-ignore
  globalThis.location = { protocol: 'http:', host: 'hall:8080' };
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  mock.method(Math, 'random', () => 0.5);
});
afterEach(() => {
  mock.timers.reset();
  mock.restoreAll();
});

/** @param {Partial<import('../../app/js/client.js').ClientOptions>} [extra] */
function session(extra = {}) {
  const answers = /** @type {any[]} */ ([]);
  const statuses = /** @type {string[]} */ ([]);
  const outbox = new Outbox(memoryStore());
  const client = new Client({
    joinCode: 'K7PQ2M', role: 'attendee', onState: () => {}, outbox,
    onAnswer: (entry, ack, err, local) => answers.push({ id: entry.id, ack: ack?.seq ?? null, err: err?.code ?? null, local }),
    onStatus: (s) => statuses.push(s),
    ...extra,
  });
  client.connect();
  return { client, outbox, answers, statuses, socket: () => FakeSocket.all[FakeSocket.all.length - 1] };
}

/** @param {FakeSocket} ws */
function join(ws, resume = false) {
  ws.open();
  assert.equal(ws.sent[0].type, 'hello');
  assert.equal(ws.sent[0].resume !== undefined, resume);
  ws.receive({ type: 'welcome', protocol: 1, role: 'attendee', join_url: 'http://10.0.0.2:8080/j/K7PQ2M', participant: { id: 'p', token: 't' } });
  if (!resume) ws.receive({ type: 'snapshot', snapshot: SNAPSHOT });
}

test('offline actions are queued, then sent in order with their ids after the welcome', () => {
  const { client, outbox, answers, socket } = session();
  const a = client.request({ type: 'ask', text: 'một', anonymous: false });
  const b = client.request({ type: 'vote', question: 3, up: true });
  assert.equal(outbox.list().length, 2, 'stored before anything was sent');
  assert.equal(socket().sent.length, 0);
  join(socket());
  assert.equal(client.joinUrl, 'http://10.0.0.2:8080/j/K7PQ2M');
  assert.deepEqual(socket().requests().map((m) => m.id), [a.id, b.id]);
  assert.ok(outbox.list().every((e) => e.sent));
  // An ack removes; a refusal removes and is reported; both settle the promises.
  socket().receive({ type: 'ack', id: a.id, seq: 6 });
  socket().receive({ type: 'error', id: b.id, code: 'phase_closed', message: '…' });
  assert.deepEqual(answers, [
    { id: a.id, ack: 6, err: null, local: true },
    { id: b.id, ack: null, err: 'phase_closed', local: true },
  ]);
  assert.deepEqual(outbox.list(), []);
  return Promise.all([
    a.done.then((ack) => assert.equal(ack.seq, 6)),
    b.done.then(() => assert.fail('refused'), (err) => assert.equal(err.code, 'phase_closed')),
  ]);
});

test('a request whose answer was lost with the socket goes again with the same id', () => {
  const { client, outbox, answers, socket } = session();
  join(socket());
  const a = client.request({ type: 'ask', text: 'hai', anonymous: false });
  const first = socket();
  assert.deepEqual(first.requests().map((m) => m.id), [a.id]);
  first.closed(1006);
  mock.timers.tick(10_000);
  const second = socket();
  assert.notEqual(second, first);
  join(second, true);
  assert.deepEqual(second.requests().map((m) => m.id), [a.id], 'same id: the server answers with the original ack');
  second.receive({ type: 'ack', id: a.id, seq: 6 });
  assert.equal(answers.length, 1);
  assert.deepEqual(outbox.list(), []);
});

test('unavailable keeps the request and retries it with the same id', () => {
  // The panel's storage banner listens to onHeld (server cannot store data).
  const held = /** @type {string[]} */ ([]);
  const { client, outbox, answers, socket } = session({ onHeld: (_e, err) => held.push(err.code) });
  join(socket());
  const a = client.request({ type: 'vote', question: 1, up: true });
  socket().receive({ type: 'error', id: a.id, code: 'unavailable', message: 'retry' });
  assert.deepEqual(held, ['unavailable']);
  assert.equal(answers.length, 0);
  assert.equal(outbox.list().length, 1);
  mock.timers.tick(3_000);
  assert.deepEqual(socket().requests().map((m) => m.id), [a.id, a.id]);
});

test('a page loaded later resends what an earlier one left, and hears its answer', () => {
  const store = memoryStore();
  const earlier = new Outbox(store);
  const { entry } = earlier.add({ type: 'ask', text: 'trước khi tải lại', anonymous: false });
  earlier.markSent(entry.id);
  const { answers, socket } = session({ outbox: new Outbox(store) });
  join(socket());
  assert.deepEqual(socket().requests().map((m) => m.id), [entry.id]);
  socket().receive({ type: 'ack', id: entry.id, seq: 3 });
  assert.deepEqual(answers, [{ id: entry.id, ack: 3, err: null, local: false }]);
});

test('no more than 32 requests wait for answers on one connection', () => {
  const { client, socket } = session();
  join(socket());
  const ids = Array.from({ length: 40 }, (_, i) => client.request({ type: 'vote', question: i, up: true }).id);
  assert.equal(socket().requests().length, 32);
  socket().receive({ type: 'ack', id: ids[0], seq: 6 });
  assert.deepEqual(socket().requests().map((m) => m.id), ids.slice(0, 33));
});

test('a restart (4002) waits a spread-out moment, quietly; 4001 comes back at once; 4000 stays refused', () => {
  const refused = /** @type {string[]} */ ([]);
  const { client, statuses, socket } = session({ onRefused: (code) => refused.push(code) });
  join(socket());
  socket().closed(4002);
  assert.equal(client.status, 'waiting', 'no "reconnecting" notice for a planned restart');
  const count = FakeSocket.all.length;
  mock.timers.tick(1_499);
  assert.equal(FakeSocket.all.length, count, 'Math.random() 0.5 of the 3 s spread');
  mock.timers.tick(2);
  assert.equal(FakeSocket.all.length, count + 1);
  join(socket(), true);
  socket().closed(4001);
  mock.timers.tick(50);
  assert.equal(FakeSocket.all.length, count + 2);
  socket().open();
  socket().receive({ type: 'error', code: 'unknown_event', message: '…' });
  socket().closed(4000);
  mock.timers.tick(60_000);
  assert.equal(FakeSocket.all.length, count + 2, 'never retried');
  assert.deepEqual(refused, ['unknown_event']);
  assert.deepEqual(statuses, ['open', 'waiting', 'connecting', 'open', 'connecting', 'refused']);
});

test('a snapshot at any time replaces the state; a gap reconnects with resume', () => {
  const states = /** @type {any[]} */ ([]);
  const { client, socket } = session({ onState: (s) => states.push(s) });
  join(socket());
  socket().receive({ type: 'delta', epoch: 'E1', prev: 5, seq: 6, changes: [{ type: 'phase', phase: 'voting_only' }] });
  assert.equal(client.state?.phase, 'voting_only');
  socket().receive({ type: 'snapshot', snapshot: { ...SNAPSHOT, seq: 40, title: 'Mới' } });
  assert.equal(client.state?.title, 'Mới');
  assert.equal(client.state?.phase, 'open');
  const before = FakeSocket.all.length;
  socket().receive({ type: 'delta', epoch: 'E1', prev: 42, seq: 43, changes: [] });
  assert.equal(FakeSocket.all.length, before + 1, 'reconnected at once');
  socket().open();
  assert.deepEqual(socket().sent[0].resume, { epoch: 'E1', seq: 40 });
});

test('the network back before a due retry: the retry is cancelled, never replacing the joined socket under its requests', () => {
  const { client, outbox, answers, socket } = session();
  join(socket());
  socket().closed(4002);
  // Offline meanwhile: queued. A reconnect is due in 1.5 s (Math.random() 0.5 of 3 s).
  const a = client.request({ type: 'ask', text: 'ba', anonymous: false });
  mock.timers.tick(300);
  // `online` fires first: straight back, and the welcome sends the question.
  client.reconnectNow();
  const now = socket();
  join(now, true);
  assert.deepEqual(now.requests().map((m) => m.id), [a.id]);
  const count = FakeSocket.all.length;
  mock.timers.tick(3_000);
  assert.equal(FakeSocket.all.length, count, 'the earlier retry did not open another connection');
  assert.notEqual(now.readyState, 3, 'the joined socket is still the one in use');
  now.receive({ type: 'ack', id: a.id, seq: 6 });
  assert.deepEqual(outbox.list(), [], 'answered and gone from the outbox');
  assert.equal(answers.length, 1);
});

test('a socket replaced while its requests are unanswered: they go again, with their ids, on the next one', () => {
  const { client, outbox, answers, socket } = session();
  join(socket());
  const a = client.request({ type: 'ask', text: 'bốn', anonymous: false });
  const old = socket();
  assert.deepEqual(old.requests().map((m) => m.id), [a.id]);
  // Whatever the reason a new connection is made, the old one is closed and
  // what it took along unanswered is not counted as in flight any more.
  client.connect();
  const next = socket();
  assert.notEqual(next, old);
  assert.equal(old.readyState, 3, 'the old socket is closed, not left open');
  old.receive({ type: 'ack', id: a.id, seq: 6 });
  assert.equal(answers.length, 0, 'frames of an abandoned socket are ignored');
  join(next, true);
  assert.deepEqual(next.requests().map((m) => m.id), [a.id], 'sent again with the same id');
  next.receive({ type: 'ack', id: a.id, seq: 6 });
  assert.deepEqual(outbox.list(), []);
  assert.equal(answers.length, 1);
});

test('a connection abandoned while it was opening does not speak on its successor', () => {
  const { client, socket } = session();
  const first = socket();
  client.reconnectNow();
  const second = socket();
  assert.notEqual(second, first);
  second.open();
  // The first one's open event arrives late (it raced with its close).
  first.onopen?.();
  assert.deepEqual(second.sent.map((m) => m.type), ['hello'], 'one hello on the new socket');
  assert.deepEqual(first.sent, []);
});

test('rate_limited keeps the request and sends it again after retry_after_ms, not before', () => {
  const held = /** @type {string[]} */ ([]);
  const { client, outbox, answers, socket } = session({ onHeld: (_e, err) => held.push(err.code) });
  join(socket());
  const a = client.request({ type: 'vote', question: 1, up: true });
  socket().receive({ type: 'error', id: a.id, code: 'rate_limited', message: 'slow down', retry_after_ms: 5_000 });
  assert.equal(answers.length, 0, 'not a final answer');
  assert.equal(outbox.list().length, 1);
  assert.deepEqual(held, ['rate_limited']);
  mock.timers.tick(4_999);
  assert.deepEqual(socket().requests().map((m) => m.id), [a.id]);
  mock.timers.tick(251);
  assert.deepEqual(socket().requests().map((m) => m.id), [a.id, a.id]);
});

test('a hello refused rate_limited (4000) says hello again after retry_after_ms', () => {
  const refused = /** @type {string[]} */ ([]);
  const { client, socket } = session({ onRefused: (code) => refused.push(code) });
  socket().open();
  socket().receive({ type: 'error', code: 'rate_limited', message: '…', retry_after_ms: 2_000 });
  socket().closed(4000);
  assert.equal(client.status, 'waiting');
  const count = FakeSocket.all.length;
  mock.timers.tick(1_999);
  assert.equal(FakeSocket.all.length, count);
  mock.timers.tick(1_002);
  assert.equal(FakeSocket.all.length, count + 1, 'said hello again');
  assert.deepEqual(refused, []);
});
