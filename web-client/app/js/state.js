// The event as one client holds it: built from a snapshot, moved forward by
// deltas. Pure (no DOM, no sockets), so the resume rules are unit-tested.

/** @typedef {import('./protocol').Snapshot} Snapshot */
/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').QuestionStatus} QuestionStatus */
/** @typedef {import('./protocol').Change} Change */
/** @typedef {import('./protocol').Settings} Settings */
/** @typedef {import('./protocol').Phase} Phase */
/** @typedef {import('./protocol').Topic} Topic */
/** @typedef {import('./protocol').Official} Official */
/** @typedef {Extract<import('./protocol').ServerMsg, {type: 'delta'}>} Delta */

/**
 * @typedef {object} EventState
 * @property {string} epoch
 * @property {number} seq last log position applied
 * @property {string} title
 * @property {string} joinCode
 * @property {Settings} settings
 * @property {Phase} phase
 * @property {number | null} current
 * @property {Map<number, Question>} questions by id
 * @property {Topic[]} topics the panel's order
 * @property {Official[]} officials whom questions may be addressed to
 */

/**
 * @param {Snapshot} s
 * @returns {EventState}
 */
export function fromSnapshot(s) {
  return {
    epoch: s.epoch,
    seq: s.seq,
    title: s.title,
    joinCode: s.join_code,
    settings: { ...s.settings },
    phase: s.phase,
    current: s.current,
    questions: new Map(s.questions.map((q) => [q.id, q])),
    // Absent from servers older than the follow-up.
    topics: s.topics ?? [],
    officials: s.officials ?? [],
  };
}

/**
 * What to do with a delta, given what is held.
 * - `apply`: it continues (or overlaps) what we have. Deltas hold absolute
 *   values, so re-applying an overlapping part is harmless.
 * - `skip`: nothing new in it.
 * - `gap`: something between is missing, or the log was replaced (epoch):
 *   reconnect with resume and let the server fill the gap or resnapshot.
 * @param {EventState | null} state
 * @param {{epoch: string, prev: number, seq: number}} delta
 * @returns {'apply' | 'skip' | 'gap'}
 */
export function deltaVerdict(state, delta) {
  if (!state || delta.epoch !== state.epoch) return 'gap';
  if (delta.seq <= state.seq) return 'skip';
  if (delta.prev > state.seq) return 'gap';
  return 'apply';
}

/**
 * Applies a delta when the verdict allows; returns the verdict.
 * @param {EventState} state mutated
 * @param {Delta} delta
 * @returns {'apply' | 'skip' | 'gap'}
 */
export function applyDelta(state, delta) {
  const verdict = deltaVerdict(state, delta);
  if (verdict !== 'apply') return verdict;
  for (const change of delta.changes) applyChange(state, change);
  state.seq = Math.max(state.seq, delta.seq);
  return verdict;
}

/**
 * @param {EventState} state mutated
 * @param {Change} change
 */
export function applyChange(state, change) {
  switch (change.type) {
    case 'question':
      state.questions.set(change.question.id, change.question);
      break;
    case 'removed':
      state.questions.delete(change.id);
      if (state.current === change.id) state.current = null;
      break;
    case 'votes':
      for (const count of change.counts) {
        const q = state.questions.get(count.id);
        if (!q) continue;
        const next = { ...q, votes: count.votes };
        // Moderators: the share comes with each count, and goes with it.
        if (count.votes_top_source_share === undefined) delete next.votes_top_source_share;
        else next.votes_top_source_share = count.votes_top_source_share;
        state.questions.set(count.id, next);
      }
      break;
    case 'current':
      state.current = change.question;
      break;
    case 'settings':
      state.settings = { ...change.settings };
      break;
    case 'phase':
      state.phase = change.phase;
      break;
    case 'title':
      state.title = change.title;
      break;
    case 'topics':
      state.topics = change.topics;
      break;
    case 'officials':
      state.officials = change.officials;
      break;
    default:
      // A newer server may send kinds this client does not know; ignoring
      // them keeps the rest of the page working.
      break;
  }
}

/**
 * The queue's order, as the server ranks: most votes first, then the older
 * question, then the smaller id.
 * @param {{votes: number, created_at: number, id: number}} a
 * @param {{votes: number, created_at: number, id: number}} b
 * @returns {number}
 */
export function compareRank(a, b) {
  return b.votes - a.votes || a.created_at - b.created_at || a.id - b.id;
}

/**
 * Newest first.
 * @param {{created_at: number, id: number}} a
 * @param {{created_at: number, id: number}} b
 * @returns {number}
 */
export function compareRecent(a, b) {
  return b.created_at - a.created_at || b.id - a.id;
}

/**
 * Oldest first: the order a moderator approves in.
 * @param {{created_at: number, id: number}} a
 * @param {{created_at: number, id: number}} b
 * @returns {number}
 */
export function compareOldest(a, b) {
  return a.created_at - b.created_at || a.id - b.id;
}

/**
 * @param {Iterable<Question>} questions
 * @param {(q: Question) => boolean} keep
 * @param {(a: Question, b: Question) => number} order
 * @returns {Question[]}
 */
export function select(questions, keep, order) {
  return [...questions].filter(keep).sort(order);
}

/**
 * Live questions waiting to be answered, in ranking order, without the one
 * being answered now: the "next" list of the screen and attendee page.
 * @param {EventState} state
 * @param {(q: Question) => number} [votesOf] displayed count (optimistic votes)
 * @returns {Question[]}
 */
export function upNext(state, votesOf) {
  const list = [...state.questions.values()].filter(
    (q) => q.status === 'live' && q.id !== state.current,
  );
  if (!votesOf) return list.sort(compareRank);
  return list
    .map((q) => ({ q, r: { votes: votesOf(q), created_at: q.created_at, id: q.id } }))
    .sort((x, y) => compareRank(x.r, y.r))
    .map((x) => x.q);
}

/**
 * Counts for the moderator's filters.
 * @param {Iterable<Question>} questions
 * @returns {Record<QuestionStatus | 'all', number>}
 */
export function countByStatus(questions) {
  const counts = {
    pending: 0, live: 0, answered: 0, hidden: 0, in_writing: 0, forwarded: 0, answered_in_writing: 0, not_satisfied: 0, all: 0,
  };
  for (const q of questions) {
    counts[q.status] += 1;
    counts.all += 1;
  }
  return counts;
}

/**
 * The current question, when it is still there.
 * @param {EventState} state
 * @returns {Question | null}
 */
export function currentQuestion(state) {
  return state.current === null ? null : state.questions.get(state.current) ?? null;
}

/**
 * Keeps an attendee's own questions up to date from the public feed. The
 * public view of an anonymous question has no name or unit, but the asker
 * still sees their own; a question the public loses was hidden. The steps
 * and a merge are in `mine` only, which may come before the public change:
 * they are kept until the next `mine`.
 * @param {Map<number, Question>} own mutated
 * @param {Change} change
 * @returns {boolean} whether an own question changed
 */
export function trackOwn(own, change) {
  if (change.type === 'question') {
    const mine = own.get(change.question.id);
    if (!mine) return false;
    own.set(mine.id, {
      ...change.question, name: mine.name, unit: mine.unit, history: mine.history, merged_into: mine.merged_into,
    });
    return true;
  }
  if (change.type === 'removed') {
    const mine = own.get(change.id);
    if (!mine) return false;
    own.set(mine.id, { ...mine, status: 'hidden' });
    return true;
  }
  if (change.type === 'votes') {
    let changed = false;
    for (const { id, votes } of change.counts) {
      const mine = own.get(id);
      if (mine) {
        own.set(id, { ...mine, votes });
        changed = true;
      }
    }
    return changed;
  }
  return false;
}

/**
 * A row of "my questions": one the server has, one still in the outbox
 * (`queued` offline, `sending` while connected), or one the server refused
 * after the form had closed (`failed`, with the error code).
 * @typedef {{key: number | string, text: string, status: QuestionStatus | 'current' | 'queued' | 'sending' | 'failed', error: string}} MineRow
 */

/**
 * "My questions": the unsent ones first (newest first), then refused ones,
 * then the server's, newest first.
 *
 * Each question shows once. A request that may have left (`sent`) can
 * already be a question of the server's while its ack is still on the way:
 * after a reconnect, `mine` lists it before the ack of the resent copy
 * arrives. Such an entry is left out when one of the server's questions
 * has its exact text (each question stands for one entry at most): the
 * server's row says more than "sending". An entry that never left cannot
 * be on the server, so it always shows.
 * @param {Array<{id: string, action: import('./protocol').Action, sent?: boolean}>} outbox
 * @param {Map<string, {text: string, code: string}>} refused by request id
 * @param {Iterable<Question>} own
 * @param {number | null} current
 * @param {boolean} online
 * @returns {MineRow[]}
 */
export function mineRows(outbox, refused, own, current, online) {
  const server = [...own].sort(compareRecent);
  /** Server questions that already stand for an outbox entry. @type {Set<number>} */
  const claimed = new Set();
  /** @type {MineRow[]} */
  const rows = [];
  for (const e of [...outbox].reverse()) {
    if (e.action.type !== 'ask') continue;
    const text = e.action.text;
    const onServer = e.sent ? server.find((q) => !claimed.has(q.id) && q.text === text) : undefined;
    if (onServer) {
      claimed.add(onServer.id);
      continue;
    }
    rows.push({ key: e.id, text, status: online ? 'sending' : 'queued', error: '' });
  }
  for (const [id, r] of refused) rows.push({ key: id, text: r.text, status: 'failed', error: r.code });
  for (const q of server) {
    rows.push({ key: q.id, text: q.text, status: current === q.id ? 'current' : q.status, error: '' });
  }
  return rows;
}
