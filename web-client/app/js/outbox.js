// Requests that have no answer yet, kept on the device so that no action is
// ever lost: a question typed in a dead spot of the hall, a vote cast while
// the phone was switching access points, or both followed by a reload.
// Pure (storage comes in as an argument), so the rules are unit-tested.
//
// The rules:
// - A request gets its id when it is created and is written here before it
//   is sent, so it can always be resent with the same id: the server applies
//   an id once and answers a repeat with the original ack.
// - It leaves only on its answer: an `ack`, or an `error` other than
//   `unavailable` (which means "nothing happened, retry with the same id").
// - After every (re)connect, everything here is sent again, in order.
//
// Votes toggled again before they went out (see `add`): a vote sets an
// absolute wish (`up: true/false`), so of several vote requests for one
// question only the last one matters for the result — but only if the
// earlier ones can never arrive after it. A request that was never written
// to any socket cannot arrive at all, so it is dropped and the new wish
// queued with a NEW id (an id must name one action; reusing it for another
// wish would make "applied once" ambiguous). A request that may have left
// (it was sent on a socket that then died, its frame may still be in the
// server's buffers) is kept, and the new one queued after it: the server
// applies them in order, and a late copy of the earlier one is recognised
// by its id and not applied again. Either way the last tap wins.
//
// Several tabs of the same page share the list: every change reads the
// stored list, changes it and writes it back in one synchronous step.

/** @typedef {import('./protocol').Action} Action */

/**
 * @typedef {object} Entry
 * @property {string} id the request id, sent with every copy
 * @property {Action} action
 * @property {boolean} sent whether a copy may have left the device (then it is never dropped unanswered)
 * @property {number} at when it was created, ms since the epoch
 */

/**
 * Where the list lives: localStorage in the browser, a variable in tests.
 * `save` answers whether the value was stored.
 * @typedef {{load: () => string | null, save: (value: string | null) => boolean}} Store
 */

/**
 * The storage key: one list per event and role on this device. An
 * attendee's participant identity is itself kept per event
 * (`hoidap.participant.CODE`), so per event and role is per participant.
 * @param {string} joinCode
 * @param {string} role
 * @returns {string}
 */
export function outboxKey(joinCode, role) {
  return `hoidap.outbox.${joinCode}.${role}`;
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

/**
 * Requests with the same key set the same thing, so a later one that was
 * acknowledged makes an earlier unanswered one obsolete (see `acked`).
 * Asks each add something new: no key.
 * @param {Action} action
 * @returns {string | null}
 */
export function supersedeKey(action) {
  switch (action.type) {
    case 'ask':
      return null;
    case 'vote':
      return `vote:${action.question}`;
    case 'set_current':
    case 'clear_current':
      return 'current';
    case 'set_phase':
      return 'phase';
    case 'edit':
      return `edit:${action.question}`;
    case 'update_settings':
      return `settings:${Object.keys(action).filter((k) => k !== 'type').sort().join(',')}`;
    case 'set_screen':
      return `screen:${Object.keys(action).filter((k) => k !== 'type').sort().join(',')}`;
    case 'set_topics':
      return 'topics';
    case 'approve': case 'hide': case 'restore': case 'mark_answered': case 'reopen':
      return `status:${action.question}`;
    default:
      // The follow-up's moves (route, in writing, extend, forward, answers,
      // merges) each add a step: a later one never makes an earlier one moot.
      return null;
  }
}

/**
 * Keeps what parses as an entry; a damaged or foreign value reads as empty.
 * @param {string | null} raw
 * @returns {Entry[]}
 */
export function parseEntries(raw) {
  if (!raw) return [];
  /** @type {unknown} */
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.filter(
    (e) =>
      e && typeof e === 'object' &&
      typeof e.id === 'string' && e.id.length > 0 && e.id.length <= 64 &&
      e.action && typeof e.action === 'object' && typeof e.action.type === 'string',
  ).map((e) => ({ id: e.id, action: e.action, sent: e.sent === true, at: Number(e.at) || 0 }));
}

export class Outbox {
  /**
   * @param {Store} store
   * @param {() => number} [now]
   */
  constructor(store, now = Date.now) {
    this.store = store;
    this.now = now;
    /** The list as last written, used when the store cannot keep it (private mode, full quota). */
    /** @type {Entry[]} */
    this.memory = [];
    this.volatile = false;
  }

  /** @returns {Entry[]} every unanswered request, oldest first */
  list() {
    return this.volatile ? this.memory.map((e) => ({ ...e })) : parseEntries(this.store.load());
  }

  /** @param {Entry[]} entries */
  write(entries) {
    this.memory = entries;
    this.volatile = !this.store.save(entries.length ? JSON.stringify(entries) : null);
  }

  /**
   * Queues a new request (stored before anything is sent).
   * @param {Action} action
   * @returns {{entry: Entry, dropped: Entry[]}} dropped: never-sent votes this one replaces
   */
  add(action) {
    let entries = this.list();
    /** @type {Entry[]} */
    let dropped = [];
    if (action.type === 'vote') {
      const key = supersedeKey(action);
      dropped = entries.filter((e) => !e.sent && supersedeKey(e.action) === key);
      entries = entries.filter((e) => !dropped.includes(e));
    }
    const entry = { id: requestId(), action, sent: false, at: this.now() };
    entries.push(entry);
    this.write(entries);
    return { entry, dropped };
  }

  /**
   * Records that a copy is about to leave: from now on it is resent, never
   * dropped unanswered.
   * @param {string} id
   */
  markSent(id) {
    const entries = this.list();
    const entry = entries.find((e) => e.id === id);
    if (!entry || entry.sent) return;
    entry.sent = true;
    this.write(entries);
  }

  /**
   * The server acknowledged `id`: it leaves, and so do older unanswered
   * requests with the same key (they were applied before it, or will never
   * be — resending one later would undo the newer wish).
   * @param {string} id
   * @returns {{entry: Entry | undefined, obsolete: Entry[]}}
   */
  acked(id) {
    const entries = this.list();
    const at = entries.findIndex((e) => e.id === id);
    if (at < 0) return { entry: undefined, obsolete: [] };
    const entry = entries[at];
    const key = supersedeKey(entry.action);
    const obsolete = key === null ? [] : entries.slice(0, at).filter((e) => supersedeKey(e.action) === key);
    this.write(entries.filter((e) => e !== entry && !obsolete.includes(e)));
    return { entry, obsolete };
  }

  /**
   * The server refused `id` for good: it leaves.
   * @param {string} id
   * @returns {Entry | undefined}
   */
  remove(id) {
    const entries = this.list();
    const entry = entries.find((e) => e.id === id);
    if (entry) this.write(entries.filter((e) => e !== entry));
    return entry;
  }

  /**
   * The vote each queued request will leave behind, per question: what the
   * page shows as voted before the server has said so.
   * @returns {Map<number, boolean>}
   */
  votes() {
    /** @type {Map<number, boolean>} */
    const wish = new Map();
    for (const { action } of this.list()) if (action.type === 'vote') wish.set(action.question, action.up);
    return wish;
  }
}

/**
 * A Store on top of localStorage-like load/save functions.
 * @param {(key: string) => string | null} load
 * @param {(key: string, value: string | null) => boolean} save
 * @param {string} key
 * @returns {Store}
 */
export function keyStore(load, save, key) {
  return { load: () => load(key), save: (value) => save(key, value) };
}

/** @returns {Store} a store that only lives as long as the page (tests, or no storage at all) */
export function memoryStore() {
  /** @type {string | null} */
  let value = null;
  return {
    load: () => value,
    save: (v) => {
      value = v;
      return true;
    },
  };
}
