// Pure helpers for the panel's follow-up (issue 11): which state a question
// is in for the secretariat's counts, whose it is (an official, an outside
// authority, nobody yet), due dates as people here write them, overdue.
// No DOM, so the counts the chair reads are unit-tested.

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').Official} Official */

/** The states counted per official, in the order the bar shows them. */
export const BUCKETS = /** @type {const} */ ([
  'pending', 'live', 'current', 'answered', 'in_writing', 'forwarded', 'answered_in_writing', 'not_satisfied', 'overdue',
]);
/** @typedef {typeof BUCKETS[number]} Bucket */
/** A group: an official's staff id, or one of these. */
export const OUTSIDE = 'outside';
export const UNASSIGNED = 'unassigned';
export const ALL = 'all';

/**
 * `YYYY-MM-DD` as Vietnamese documents write it: `dd/mm/yyyy`.
 * @param {string | undefined} due
 * @returns {string}
 */
export function formatDue(due) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(due ?? '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : (due ?? '');
}

/**
 * Today on this laptop, `YYYY-MM-DD`: the panel sits in the meeting's
 * time zone, which is the one the server computes due dates in.
 * @param {Date} now
 * @returns {string}
 */
export function todayIso(now) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * Owes a written answer and the due date has passed (the due day itself
 * is still on time).
 * @param {Question} q
 * @param {string} today `YYYY-MM-DD`
 */
export function isOverdue(q, today) {
  return (q.status === 'in_writing' || q.status === 'not_satisfied') && !!q.due && q.due < today;
}

/**
 * The latest step that sent the question somewhere: an answer in writing
 * published by an outside authority is still that authority's.
 * @param {Question} q
 */
function lastSentTo(q) {
  const sends = (q.history ?? []).filter((s) => s.kind === 'routed' || s.kind === 'in_writing' || s.kind === 'forwarded');
  return sends.length ? sends[sends.length - 1].kind : undefined;
}

/**
 * Whose question it is: forwarded ones belong to their outside authority,
 * the rest to their official when the event still has them.
 * @param {Question} q
 * @param {Official[]} officials
 * @returns {string}
 */
export function groupOf(q, officials) {
  if (q.status === 'forwarded' || (q.authority && lastSentTo(q) === 'forwarded')) return OUTSIDE;
  if (q.official && officials.some((o) => o.id === q.official)) return q.official;
  return UNASSIGNED;
}

/**
 * Whether a question counts in a bucket. Hidden and merged questions are
 * in none: a merged one follows the question it was merged into.
 * @param {Question} q
 * @param {Bucket} bucket
 * @param {number | null} current
 * @param {string} today
 */
export function inBucket(q, bucket, current, today) {
  if (q.status === 'hidden' || q.merged_into !== undefined) return false;
  if (bucket === 'current') return q.id === current;
  if (bucket === 'overdue') return isOverdue(q, today);
  if (bucket === 'live') return q.status === 'live' && q.id !== current;
  return q.status === bucket;
}

/**
 * @typedef {Record<Bucket, number> & {total: number}} Counts
 */

/** @returns {Counts} */
function zero() {
  return /** @type {Counts} */ ({ total: 0, ...Object.fromEntries(BUCKETS.map((b) => [b, 0])) });
}

/**
 * Live counts per group (each official, outside authorities, unassigned,
 * and everyone), by bucket. `total` counts each question once.
 * @param {Iterable<Question>} questions
 * @param {Official[]} officials
 * @param {number | null} current
 * @param {string} today
 * @returns {Map<string, Counts>}
 */
export function countGroups(questions, officials, current, today) {
  /** @type {Map<string, Counts>} */
  const out = new Map([[ALL, zero()], ...officials.map((o) => /** @type {[string, Counts]} */ ([o.id, zero()])),
    [OUTSIDE, zero()], [UNASSIGNED, zero()]]);
  for (const q of questions) {
    if (q.status === 'hidden' || q.merged_into !== undefined) continue;
    const groups = [out.get(ALL), out.get(groupOf(q, officials))];
    for (const c of groups) {
      if (!c) continue;
      c.total += 1;
      for (const b of BUCKETS) if (inBucket(q, b, current, today)) c[b] += 1;
    }
  }
  return out;
}

/**
 * Whether a question is in the view: its group (or all), its bucket (or any).
 * @param {Question} q
 * @param {{group: string, bucket: Bucket | null}} view
 * @param {Official[]} officials
 * @param {number | null} current
 * @param {string} today
 */
export function inView(q, view, officials, current, today) {
  if (view.group !== ALL && groupOf(q, officials) !== view.group) return false;
  return view.bucket === null || inBucket(q, view.bucket, current, today);
}
