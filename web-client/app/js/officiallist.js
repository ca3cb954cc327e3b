// Pure rules of the official's page (issue 11, "after the question"):
// which questions are theirs, in which order, what is overdue, which draft
// is being written. No DOM, so node --test checks the order and the dates.

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').Answer} Answer */
/** @typedef {import('./protocol').QuestionStatus} QuestionStatus */

/**
 * Due dates are days of the meeting's calendar: the province is in
 * Vietnam, which has one time zone (UTC+7) and no summer time, so "today"
 * is the same on a phone set to another zone or a laptop left on UTC.
 */
const VIETNAM_OFFSET_MS = 7 * 3600 * 1000;

/**
 * Today in Vietnam, `YYYY-MM-DD`, comparable as a string with `due`.
 * @param {number} nowMs
 * @returns {string}
 */
export function todayInVietnam(nowMs) {
  return new Date(nowMs + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * `YYYY-MM-DD` as people in Vietnam write dates (dd/mm/yyyy); anything
 * else is shown as it came.
 * @param {string} iso
 * @returns {string}
 */
export function formatDay(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

/**
 * A moment as a Vietnamese wall-clock date and time: `dd/mm/yyyy hh:mm`.
 * @param {number} ms
 * @returns {string}
 */
export function formatMoment(ms) {
  const iso = new Date(ms + VIETNAM_OFFSET_MS).toISOString();
  return `${formatDay(iso.slice(0, 10))} ${iso.slice(11, 16)}`;
}

/** Statuses in which an answer is still owed: the page's first section. */
const TO_ANSWER = new Set(/** @type {QuestionStatus[]} */ (['in_writing', 'not_satisfied']));
/** Statuses in which the server takes a draft (followup.rs, `draft`). */
const WRITABLE = new Set(/** @type {QuestionStatus[]} */ (['in_writing', 'not_satisfied', 'forwarded', 'answered_in_writing']));
/** Closed, one way or another: answered live, in writing, or sent elsewhere. */
const DONE = new Set(/** @type {QuestionStatus[]} */ (['answered', 'answered_in_writing', 'forwarded']));
/** Still in the meeting: the official may be asked it live. */
const IN_MEETING = new Set(/** @type {QuestionStatus[]} */ (['pending', 'live']));

/**
 * @param {Question} q
 * @param {string} today `YYYY-MM-DD`
 * @returns {boolean} an answer is owed and its day has passed
 */
export function isOverdue(q, today) {
  return TO_ANSWER.has(q.status) && q.due !== undefined && q.due < today;
}

/**
 * @param {QuestionStatus} status
 * @returns {boolean} whether the server accepts a draft answer now
 */
export function isWritable(status) {
  return WRITABLE.has(status);
}

/**
 * The draft being written: the newest unpublished answer. The server
 * keeps at most one open at a time per round, and a new round starts
 * after each publication.
 * @param {Question} q
 * @returns {Answer | null}
 */
export function currentDraft(q) {
  const answers = q.answers ?? [];
  for (let i = answers.length - 1; i >= 0; i -= 1) {
    if (!answers[i].published) return answers[i];
  }
  return null;
}

/**
 * @param {Question} q
 * @returns {Answer[]} the answers the asker and the hall have seen, oldest first
 */
export function publishedAnswers(q) {
  return (q.answers ?? []).filter((a) => a.published);
}

/**
 * Why the asker was not satisfied, when the question is back for that
 * reason: the latest such step's reason.
 * @param {Question} q
 * @returns {string | null}
 */
export function notSatisfiedReason(q) {
  if (q.status !== 'not_satisfied') return null;
  const steps = q.history ?? [];
  for (let i = steps.length - 1; i >= 0; i -= 1) {
    if (steps[i].kind === 'not_satisfied') return steps[i].reason ?? '';
  }
  return '';
}

/**
 * Whose questions the page lists: one official's (`official`), or, for a
 * clerk, every official's (`null`), optionally narrowed to one.
 * @typedef {{official: string | null}} Scope
 */

/**
 * @param {Question} q
 * @param {Scope} scope
 * @returns {boolean}
 */
function inScope(q, scope) {
  // Merged questions are answered through the one they went into.
  if (q.merged_into !== undefined || q.official === undefined || q.status === 'hidden') return false;
  return scope.official === null || q.official === scope.official;
}

/** @param {string | undefined} due */
const dueKey = (due) => due ?? '9999-99-99';

/**
 * When it was last answered, for the newest-first "answered" section.
 * @param {Question} q
 */
function lastAnsweredAt(q) {
  const answers = publishedAnswers(q);
  const steps = q.history ?? [];
  return Math.max(q.created_at, answers.at(-1)?.at ?? 0, steps.at(-1)?.at ?? 0);
}

/**
 * The page's three sections, each in its order:
 * - `todo`: answers owed. First those the asker sent back (not satisfied)
 *   and those past their due date, then the rest by due date; the earlier
 *   due date first within each group.
 * - `done`: answered live or in writing, or forwarded to an outside
 *   authority; the most recently answered first.
 * - `meeting`: still pending or live in the meeting, oldest first.
 * @param {Iterable<Question>} questions
 * @param {Scope} scope
 * @param {string} today `YYYY-MM-DD` in Vietnam
 * @returns {{todo: Question[], done: Question[], meeting: Question[]}}
 */
export function sections(questions, scope, today) {
  /** @type {{todo: Question[], done: Question[], meeting: Question[]}} */
  const out = { todo: [], done: [], meeting: [] };
  for (const q of questions) {
    if (!inScope(q, scope)) continue;
    if (TO_ANSWER.has(q.status)) out.todo.push(q);
    else if (DONE.has(q.status)) out.done.push(q);
    else if (IN_MEETING.has(q.status)) out.meeting.push(q);
  }
  const urgent = (/** @type {Question} */ q) => (q.status === 'not_satisfied' || isOverdue(q, today) ? 0 : 1);
  out.todo.sort((a, b) => urgent(a) - urgent(b)
    || dueKey(a.due).localeCompare(dueKey(b.due))
    || a.created_at - b.created_at || a.id - b.id);
  out.done.sort((a, b) => lastAnsweredAt(b) - lastAnsweredAt(a) || b.id - a.id);
  out.meeting.sort((a, b) => a.created_at - b.created_at || a.id - b.id);
  return out;
}

/**
 * The figures at the top of the page.
 * @param {{todo: Question[], done: Question[]}} lists from `sections`
 * @param {string} today
 * @returns {{todo: number, overdue: number, done: number}}
 */
export function counts(lists, today) {
  return {
    todo: lists.todo.length,
    overdue: lists.todo.filter((q) => isOverdue(q, today)).length,
    done: lists.done.filter((q) => q.status !== 'forwarded').length,
  };
}
