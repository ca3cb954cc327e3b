// The WebSocket session shared by the three pages: hello, snapshot and
// deltas (with resume), requests through the outbox, heartbeat and
// reconnection. Pages get callbacks and never see the socket.

import { Outbox, memoryStore } from './outbox.js';
import { applyDelta, fromSnapshot } from './state.js';
import { load, save } from './storage.js';

export { requestId } from './outbox.js';

/** @typedef {import('./protocol').Role} Role */
/** @typedef {import('./protocol').Action} Action */
/** @typedef {import('./protocol').ClientMsg} ClientMsg */
/** @typedef {import('./protocol').ServerMsg} ServerMsg */
/** @typedef {import('./state.js').EventState} EventState */
/** @typedef {import('./state.js').Delta} Delta */
/** @typedef {import('./outbox.js').Entry} Entry */
/** @typedef {Extract<ServerMsg, {type: 'welcome'}>} WelcomeMsg */
/** @typedef {Extract<ServerMsg, {type: 'mine'}>} MineMsg */
/** @typedef {Extract<ServerMsg, {type: 'presence'}>} PresenceMsg */
/** @typedef {Extract<ServerMsg, {type: 'ack'}>} AckMsg */
/**
 * `waiting`: a planned pause before reconnecting (the server announced a
 * restart), nothing to tell anyone yet; `connecting`: trying, or backing off.
 * @typedef {'connecting' | 'waiting' | 'open' | 'refused'} Status
 */

export const PROTOCOL = 1;
/** WebSocket close codes the server uses (protocol::close). */
export const CLOSE_REFUSED = 4000;
export const CLOSE_RESUME = 4001;
export const CLOSE_RESTART = 4002;
/** A staff member's personal link was revoked or re-issued: never reconnect with it. */
export const CLOSE_REVOKED = 4003;
/** A delegate's card was claimed on another device, or reset. */
export const CLOSE_MOVED = 4004;

const PING_EVERY_MS = 15_000;
/** No frame for this long (pongs included) means the connection is dead. */
const SILENCE_MS = 35_000;
/** After the page becomes visible again, a ping must be answered this fast. */
const PROBE_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * A request that saw no frame at all come back for this long is the first
 * sign of a socket that died without closing (Wi-Fi gone): check with a
 * ping rather than wait for the silence timeout.
 */
const ANSWER_PROBE_MS = 4_000;
/** Requests sent ahead of their answers (the server reads up to 64). */
const WINDOW = 32;
/** A server restart (close 4002) reaches every phone at once: reconnect somewhere in this spread. */
const RESTART_SPREAD_MS = 3_000;
/** `online` fires on every phone when the hall's Wi-Fi comes back: the same. */
const ONLINE_SPREAD_MS = 1_000;

/**
 * Delay before reconnect attempt `attempt` (0-based): "full jitter", a
 * random point below a ceiling that doubles from 0.5 s to 10 s, so 500
 * phones that lost the same access point spread over the whole window
 * instead of coming back in the same millisecond.
 * @param {number} attempt
 * @param {number} random in [0, 1)
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, random) {
  const ceiling = Math.min(10_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.max(100, Math.round(random * ceiling));
}

export class RequestError extends Error {
  /**
   * @param {string} code an ErrorCode, `superseded` (a later tap replaced it) or `refused`
   * @param {string} [message]
   * @param {number} [retryAfterMs] with `rate_limited`: when to send it again
   */
  constructor(code, message = code, retryAfterMs = undefined) {
    super(message);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * @typedef {object} ClientOptions
 * @property {(entry: Entry | null, err: RequestError) => void} [onHeld] a request (or, with
 *   `null`, the hello) was answered `rate_limited` or `unavailable`: it goes again after a pause
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
 * @property {() => string | null} [claim] a roster event's card code to claim in the next hello
 * @property {(code: 'unknown_code' | 'moved') => void} [onCard] the code was wrong, or the card
 *   moved to another device: the client comes back as a guest (token forgotten on `moved`)
 * @property {Outbox} [outbox] where unanswered requests are kept (default: memory only)
 * @property {(entry: Entry, ack: AckMsg | null, error: RequestError | null, local: boolean) => void} [onAnswer]
 *   every answered request, also ones queued before this page was loaded (`local` false)
 */

/**
 * @typedef {object} Waiter
 * @property {(ack: AckMsg) => void} resolve
 * @property {(err: RequestError) => void} reject
 */

export class Client {
  /** @param {ClientOptions} opts */
  constructor(opts) {
    this.opts = opts;
    this.outbox = opts.outbox ?? new Outbox(memoryStore());
    /** @type {EventState | null} */
    this.state = null;
    /** @type {Status} */
    this.status = 'connecting';
    /** @type {WebSocket | null} */
    this.ws = null;
    /** Whether the server welcomed the current socket. */
    this.joined = false;
    /** The attendee link, as the server's `welcome` gives it. @type {string | null} */
    this.joinUrl = null;
    this.attempt = 0;
    this.lastFrameAt = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.probeTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.answerTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.heldTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.onlineTimer = undefined;
    /** Promises of requests made since this page loaded. @type {Map<string, Waiter>} */
    this.waiters = new Map();
    /** Sent on the current socket, not answered yet. @type {Map<string, Entry>} */
    this.inFlight = new Map();
    /** Answered `unavailable`: sent again after a pause. @type {Set<string>} */
    this.held = new Set();
    /** The reason the server gave before closing with 4000. */
    this.refusal = 'unknown_event';
    /** With a `rate_limited` refusal: when to say hello again. @type {number | undefined} */
    this.refusalRetryMs = undefined;
    /** When the held requests go again (ms since the epoch). */
    this.heldDue = 0;
  }

  start() {
    setInterval(() => this.heartbeat(), 5_000);
    addEventListener('online', () => {
      clearTimeout(this.onlineTimer);
      this.onlineTimer = setTimeout(() => this.reconnectNow(), Math.random() * ONLINE_SPREAD_MS);
    });
    // Only a hint: a socket that still answers a ping is kept.
    addEventListener('offline', () => { if (this.joined) this.probe(); });
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
   * Queues an action in the outbox (stored before it is sent) and sends it
   * when connected. It stays queued across reconnects and reloads until the
   * server answers; `done` settles with that answer, or with `superseded`
   * when a later vote on the same question replaced it before it left.
   * @param {Action} action
   * @returns {{id: string, done: Promise<AckMsg>}}
   */
  request(action) {
    const { entry, dropped } = this.outbox.add(action);
    for (const d of dropped) this.settle(d.id, null, new RequestError('superseded'));
    /** @type {Promise<AckMsg>} */
    const done = new Promise((resolve, reject) => this.waiters.set(entry.id, { resolve, reject }));
    // Callers may rely on onAnswer alone: no unhandled rejection then.
    done.catch(() => {});
    this.flush();
    return { id: entry.id, done };
  }

  /** Sends what the outbox holds, oldest first, as far as the window allows. */
  flush() {
    if (!this.joined) return;
    let sent = false;
    for (const entry of this.outbox.list()) {
      if (this.inFlight.size >= WINDOW) break;
      if (this.inFlight.has(entry.id) || this.held.has(entry.id)) continue;
      // Recorded first: from now on it may arrive, so it is never dropped unanswered.
      this.outbox.markSent(entry.id);
      this.inFlight.set(entry.id, entry);
      this.send({ type: 'request', id: entry.id, action: entry.action });
      sent = true;
    }
    if (sent && this.answerTimer === undefined) {
      const since = Date.now();
      this.answerTimer = setTimeout(() => {
        this.answerTimer = undefined;
        if (this.inFlight.size && this.lastFrameAt < since) this.probe();
      }, ANSWER_PROBE_MS);
    }
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.status === 'refused') return;
    // Never two sockets: a socket still held is let go first, with what it
    // took along unanswered (sent again after the new welcome). Replacing
    // it without that would leave those requests "in flight" on a socket
    // whose answers are ignored, and never send them again.
    if (this.ws) this.abandon();
    this.setStatus('connecting');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws`);
    this.ws = ws;
    this.joined = false;
    this.lastFrameAt = Date.now();
    ws.onopen = () => {
      if (ws === this.ws) this.send(this.hello());
    };
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
    const claim = this.opts.claim?.();
    if (claim) hello.delegate_code = claim;
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
        this.joinUrl = msg.join_url || null;
        this.opts.onWelcome?.(msg);
        this.setStatus('open');
        // Everything unanswered goes again, in order, with its id: what was
        // queued offline, and what the old socket took along unanswered.
        this.flush();
        break;
      case 'snapshot':
        // After the hello, or at any time when this connection fell behind:
        // it replaces everything held.
        this.state = fromSnapshot(msg.snapshot);
        this.opts.onState(this.state, null);
        break;
      case 'delta': {
        const verdict = this.state ? applyDelta(this.state, msg) : 'gap';
        if (verdict === 'apply' && this.state) this.opts.onState(this.state, msg);
        // A gap or another epoch: reconnect with resume; the server sends
        // the missing deltas or a snapshot.
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
        this.onAck(msg);
        break;
      case 'error':
        if (msg.id) this.onRequestError(msg.id, new RequestError(msg.code, msg.message, msg.retry_after_ms));
        else if (!this.joined || msg.code === 'revoked' || msg.code === 'moved') {
          // The reason for the close that follows.
          this.refusal = msg.code;
          this.refusalRetryMs = msg.retry_after_ms;
        }
        break;
      default:
        // pong, or a kind a newer server added: the frame already counted
        // as a sign of life.
        break;
    }
  }

  /** @param {AckMsg} msg */
  onAck(msg) {
    const sent = this.inFlight.get(msg.id);
    this.inFlight.delete(msg.id);
    this.held.delete(msg.id);
    const { entry, obsolete } = this.outbox.acked(msg.id);
    for (const old of obsolete) {
      this.inFlight.delete(old.id);
      this.held.delete(old.id);
      this.settle(old.id, null, new RequestError('superseded'));
    }
    const answered = entry ?? sent;
    if (answered) this.opts.onAnswer?.(answered, msg, null, this.waiters.has(msg.id));
    this.settle(msg.id, msg, null);
    this.flush();
  }

  /**
   * @param {string} id
   * @param {RequestError} err
   */
  onRequestError(id, err) {
    const sent = this.inFlight.get(id);
    this.inFlight.delete(id);
    if (err.code === 'unavailable' || err.code === 'rate_limited') {
      // Nothing was applied; the same id goes again after a pause: the
      // server's `retry_after_ms` when it says (docs/protocol.md, "Limits"),
      // plus a little spread so a hall's phones do not come back together.
      if (!sent) return;
      this.held.add(id);
      const wait = err.code === 'rate_limited' && err.retryAfterMs !== undefined
        ? err.retryAfterMs + Math.random() * 250
        : 1_000 + Math.random() * 2_000;
      this.holdFor(wait);
      this.opts.onHeld?.(sent, err);
      return;
    }
    this.held.delete(id);
    const answered = this.outbox.remove(id) ?? sent;
    if (answered) this.opts.onAnswer?.(answered, null, err, this.waiters.has(id));
    this.settle(id, null, err);
    this.flush();
  }

  /**
   * Sends the held requests again in `wait` ms, or later if a later wait
   * is already set: everything held goes together.
   * @param {number} wait
   */
  holdFor(wait) {
    const due = Date.now() + wait;
    if (this.heldTimer !== undefined && due <= this.heldDue) return;
    clearTimeout(this.heldTimer);
    this.heldDue = due;
    this.heldTimer = setTimeout(() => {
      this.heldTimer = undefined;
      this.held.clear();
      this.flush();
    }, wait);
  }

  /**
   * Settles the promise of a request made on this page, if there is one.
   * @param {string} id
   * @param {AckMsg | null} ack
   * @param {RequestError | null} err
   */
  settle(id, ack, err) {
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    if (ack) w.resolve(ack);
    else w.reject(err ?? new RequestError('generic'));
  }

  /** @param {number} code */
  onClose(code) {
    this.abandon();
    // One pending reconnect at most: a retry scheduled earlier (a backoff
    // still running when `online` fired) would otherwise fire later and
    // replace the connection made meanwhile.
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (code === CLOSE_REFUSED && this.refusal === 'rate_limited') {
      // Too many new participants (or join-code guesses) from this network
      // right now: not a final refusal, say hello again when told.
      this.setStatus('waiting');
      this.opts.onHeld?.(null, new RequestError('rate_limited', 'rate_limited', this.refusalRetryMs));
      const wait = (this.refusalRetryMs ?? 2_000) + Math.random() * 1_000;
      this.refusal = 'unknown_event';
      this.retryTimer = setTimeout(() => this.connect(), wait);
      return;
    }
    if (code === CLOSE_MOVED || (code === CLOSE_REFUSED && this.refusal === 'unknown_code')) {
      // Not the end: back without the card, to try another code.
      const reason = code === CLOSE_MOVED ? 'moved' : 'unknown_code';
      if (reason === 'moved' && this.opts.tokenKey) save(this.opts.tokenKey, null);
      this.refusal = 'unknown_event';
      this.opts.onCard?.(reason);
      this.retryTimer = setTimeout(() => this.connect(), 100 + Math.random() * 400);
      return;
    }
    if (code === CLOSE_REFUSED || code === CLOSE_REVOKED) {
      if (code === CLOSE_REVOKED) this.refusal = 'revoked';
      this.setStatus('refused');
      for (const id of [...this.waiters.keys()]) this.settle(id, null, new RequestError('refused'));
      this.opts.onRefused?.(this.refusal);
      return;
    }
    let delay;
    if (code === CLOSE_RESUME) {
      // We fell behind: straight back, with resume.
      this.setStatus('connecting');
      delay = 50;
    } else if (code === CLOSE_RESTART) {
      // A restart closes every phone in the hall in the same second.
      this.setStatus('waiting');
      delay = Math.random() * RESTART_SPREAD_MS;
    } else {
      this.setStatus('connecting');
      delay = backoffDelay(this.attempt++, Math.random());
    }
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /**
   * Abandons the current socket (dead, or out of step) and reconnects.
   * @param {boolean} now skip the backoff
   */
  drop(now) {
    this.onClose(now ? CLOSE_RESUME : 1006);
    if (now) this.connect();
  }

  /**
   * Lets go of the current socket, if any: closes it, ignores whatever it
   * still delivers, and forgets what was in flight on it. Unanswered
   * requests stay in the outbox and go again after the next welcome.
   */
  abandon() {
    const ws = this.ws;
    this.ws = null;
    this.joined = false;
    this.inFlight.clear();
    this.held.clear();
    clearTimeout(this.probeTimer);
    clearTimeout(this.answerTimer);
    clearTimeout(this.heldTimer);
    this.answerTimer = undefined;
    this.heldTimer = undefined;
    if (!ws) return;
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    try {
      ws.close();
    } catch {
      // Closing a socket that is still connecting can throw in old browsers.
    }
  }

  /** A new hello on a new socket now (e.g. with a delegate's code to claim). */
  helloAgain() { if (this.status !== 'refused') this.drop(true); }

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
