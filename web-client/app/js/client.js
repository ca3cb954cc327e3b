// The WebSocket session shared by the three pages: hello, snapshot and
// deltas (with resume), requests with ids, heartbeat and reconnection.
// Pages get callbacks and never see the socket.

import { applyDelta, fromSnapshot } from './state.js';
import { load, save } from './storage.js';

/** @typedef {import('./protocol').Role} Role */
/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./protocol').ClientMsg} ClientMsg */
/** @typedef {import('./protocol').ServerMsg} ServerMsg */
/** @typedef {import('./state.js').EventState} EventState */
/** @typedef {import('./state.js').Delta} Delta */
/** @typedef {Extract<ServerMsg, {type: 'welcome'}>} WelcomeMsg */
/** @typedef {Extract<ServerMsg, {type: 'mine'}>} MineMsg */
/** @typedef {Extract<ServerMsg, {type: 'presence'}>} PresenceMsg */
/** @typedef {Extract<ServerMsg, {type: 'ack'}>} AckMsg */
/** @typedef {'connecting' | 'open' | 'refused'} Status */

export const PROTOCOL = 1;
/** WebSocket close codes the server uses (protocol::close). */
export const CLOSE_REFUSED = 4000;
export const CLOSE_RESUME = 4001;
export const CLOSE_RESTART = 4002;

const PING_EVERY_MS = 15_000;
/** No frame for this long (pongs included) means the connection is dead. */
const SILENCE_MS = 35_000;
/** After the page becomes visible again, a ping must be answered this fast. */
const PROBE_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 20_000;

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from
 * 0.5 s to 10 s, with jitter so 300 phones that lost the same access point
 * do not all come back in the same millisecond.
 * @param {number} attempt
 * @param {number} random in [0, 1)
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, random) {
  const base = Math.min(10_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base / 2 + (random * base) / 2);
}

/**
 * A request id. `crypto.randomUUID` exists only in secure contexts, and the
 * hall serves plain http on a LAN address, so use getRandomValues.
 * @returns {string}
 */
export function requestId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class RequestError extends Error {
  /** @param {string} code an ErrorCode, or `timeout` */
  constructor(code, message = code) {
    super(message);
    this.code = code;
  }
}

/**
 * @typedef {object} ClientOptions
 * @property {string} joinCode
 * @property {Role} role
 * @property {string} [secret] moderator or screen secret
 * @property {string} [tokenKey] where the attendee's participant token is kept
 * @property {(state: EventState, delta: Delta | null) => void} onState delta is null for a snapshot
 * @property {(msg: WelcomeMsg) => void} [onWelcome]
 * @property {(msg: MineMsg) => void} [onMine]
 * @property {(msg: PresenceMsg) => void} [onPresence]
 * @property {(status: Status) => void} [onStatus]
 * @property {(code: string) => void} [onRefused] unknown_event, bad_secret, ...
 */

/**
 * @typedef {object} Pending
 * @property {ClientMsg} msg
 * @property {(ack: AckMsg) => void} resolve
 * @property {(err: RequestError) => void} reject
 * @property {ReturnType<typeof setTimeout>} timer
 */

export class Client {
  /** @param {ClientOptions} opts */
  constructor(opts) {
    this.opts = opts;
    /** @type {EventState | null} */
    this.state = null;
    /** @type {Status} */
    this.status = 'connecting';
    /** @type {WebSocket | null} */
    this.ws = null;
    /** Whether the server welcomed the current socket. */
    this.joined = false;
    this.attempt = 0;
    this.lastFrameAt = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.probeTimer = undefined;
    /** @type {Map<string, Pending>} */
    this.pending = new Map();
    /** The reason the server gave before closing with 4000. */
    this.refusal = 'unknown_event';
  }

  start() {
    setInterval(() => this.heartbeat(), 5_000);
    addEventListener('online', () => this.reconnectNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.probe();
    });
    // bfcache restores a page whose socket the browser closed meanwhile.
    addEventListener('pageshow', (e) => {
      if (e.persisted) this.probe();
    });
    this.connect();
  }

  /**
   * Sends an action; resolves with the ack, rejects with a RequestError.
   * Requests survive reconnects: they are re-sent with the same id, and the
   * server applies a repeated id once.
   * @param {Action} action
   * @param {{id?: string, timeout?: number}} [opt]
   * @returns {Promise<AckMsg>}
   */
  request(action, opt = {}) {
    const id = opt.id ?? requestId();
    this.pending.get(id)?.reject(new RequestError('superseded'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError('timeout'));
      }, opt.timeout ?? REQUEST_TIMEOUT_MS);
      /** @type {ClientMsg} */
      const msg = { type: 'request', id, action };
      this.pending.set(id, { msg, resolve, reject, timer });
      if (this.joined) this.send(msg);
    });
  }

  connect() {
    clearTimeout(this.retryTimer);
    if (this.status === 'refused') return;
    this.setStatus('connecting');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws`);
    this.ws = ws;
    this.joined = false;
    this.lastFrameAt = Date.now();
    ws.onopen = () => this.send(this.hello());
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      this.lastFrameAt = Date.now();
      /** @type {ServerMsg} */
      let msg;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      this.onMessage(msg);
    };
    ws.onclose = (ev) => {
      if (ws === this.ws) this.onClose(ev.code);
    };
  }

  /** @returns {ClientMsg} */
  hello() {
    const { joinCode, role, secret, tokenKey } = this.opts;
    /** @type {ClientMsg} */
    const hello = { type: 'hello', protocol: PROTOCOL, join_code: joinCode, role };
    if (secret) hello.secret = secret;
    const token = tokenKey ? load(tokenKey) : null;
    if (token) hello.participant_token = token;
    if (this.state) hello.resume = { epoch: this.state.epoch, seq: this.state.seq };
    return hello;
  }

  /** @param {ServerMsg} msg */
  onMessage(msg) {
    switch (msg.type) {
      case 'welcome':
        this.joined = true;
        this.attempt = 0;
        if (msg.participant && this.opts.tokenKey) save(this.opts.tokenKey, msg.participant.token);
        this.opts.onWelcome?.(msg);
        this.setStatus('open');
        // Whatever was asked while offline (or whose ack was lost with the
        // old socket) goes now; a repeated id is applied once.
        for (const p of this.pending.values()) this.send(p.msg);
        break;
      case 'snapshot':
        this.state = fromSnapshot(msg.snapshot);
        this.opts.onState(this.state, null);
        break;
      case 'delta': {
        const verdict = this.state ? applyDelta(this.state, msg) : 'gap';
        if (verdict === 'apply' && this.state) this.opts.onState(this.state, msg);
        // A gap or another epoch: let the server fill it or resnapshot.
        else if (verdict === 'gap') this.drop(true);
        break;
      }
      case 'mine':
        this.opts.onMine?.(msg);
        break;
      case 'presence':
        this.opts.onPresence?.(msg);
        break;
      case 'ack':
        this.settle(msg.id, (p) => p.resolve(msg));
        break;
      case 'error':
        if (msg.id) this.settle(msg.id, (p) => p.reject(new RequestError(msg.code, msg.message)));
        else if (!this.joined) this.refusal = msg.code;
        break;
      default:
        // pong, or a kind a newer server added: the frame already counted
        // as a sign of life.
        break;
    }
  }

  /**
   * @param {string} id
   * @param {(p: Pending) => void} fn
   */
  settle(id, fn) {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    fn(p);
  }

  /** @param {number} code */
  onClose(code) {
    this.ws = null;
    this.joined = false;
    clearTimeout(this.probeTimer);
    if (code === CLOSE_REFUSED) {
      this.setStatus('refused');
      for (const p of this.pending.values()) clearTimeout(p.timer);
      this.pending.clear();
      this.opts.onRefused?.(this.refusal);
      return;
    }
    this.setStatus('connecting');
    // 4001: we fell behind, come straight back with resume. Anything else
    // (4002 restart, network loss): back off with jitter.
    const delay = code === CLOSE_RESUME ? 50 : backoffDelay(this.attempt++, Math.random());
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /**
   * Abandons the current socket (dead, or out of step) and reconnects.
   * @param {boolean} now skip the backoff
   */
  drop(now) {
    const ws = this.ws;
    if (ws) {
      this.ws = null;
      ws.onclose = null;
      try {
        ws.close();
      } catch {
        // Closing a socket that is still connecting can throw in old browsers.
      }
    }
    this.joined = false;
    clearTimeout(this.retryTimer);
    if (now) this.connect();
    else this.onClose(1006);
  }

  /** The network came back: do not wait for the backoff. */
  reconnectNow() {
    if (this.status === 'refused') return;
    if (!this.ws || !this.joined) this.drop(true);
  }

  /** The page came back to the foreground: phones often killed the socket silently. */
  probe() {
    if (this.status === 'refused') return;
    if (!this.ws || !this.joined) {
      this.drop(true);
      return;
    }
    const sent = Date.now();
    this.send({ type: 'ping' });
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      if (this.lastFrameAt < sent) this.drop(true);
    }, PROBE_MS);
  }

  heartbeat() {
    if (!this.ws) return;
    const silent = Date.now() - this.lastFrameAt;
    if (!this.joined && silent > CONNECT_TIMEOUT_MS) this.drop(false);
    else if (silent > SILENCE_MS) this.drop(false);
    else if (this.joined && silent > PING_EVERY_MS - 5_000) this.send({ type: 'ping' });
  }

  /** @param {ClientMsg} msg */
  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** @param {Status} status */
  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.opts.onStatus?.(status);
  }
}
