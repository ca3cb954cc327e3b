// The meeting report's figures and lists (Báo cáo tổng hợp), pure: from
// the JSON export (docs/export.schema.json) and the report's time to what
// the page prints. No DOM and no clock here, so the unit tests give the
// time; dates are Vietnam's (UTC+7, no daylight saving), whatever the
// time zone of the browser that prints.

/** @typedef {'pending' | 'live' | 'answered' | 'hidden' | 'in_writing' | 'forwarded'
 *   | 'answered_in_writing' | 'not_satisfied'} ExportStatus */
/** @typedef {'named' | 'unit_only' | 'hidden_from_hall' | 'anonymous'} ExportIdentity */
/** @typedef {{text: string, signed_by: string, published_at: number}} ExportAnswer */
/**
 * @typedef {{id: number, topic: string | null, addressed_to: string | null,
 *   official: string | null, identity: ExportIdentity, name: string | null,
 *   unit: string | null, text: string, original_text: string | null, votes: number,
 *   status: ExportStatus, asked_at: number, answered_live_at: number | null,
 *   due: string | null, forwarded_to: string | null, answers: ExportAnswer[],
 *   merged_into: number | null}} ExportQuestion
 */
/**
 * @typedef {{event: {title: string, join_code: string, exported_at: number,
 *   entries_seq: number, chain_head?: string}, questions: ExportQuestion[]}} Export
 */
/** @typedef {{key: string | null, count: number}} Tally */
/** @typedef {{question: ExportQuestion, overdueDays: number}} WrittenRow */

/** Every status, in the order the report lists them (the lifecycle's). */
export const STATUSES = /** @type {const} */ ([
  'pending', 'live', 'answered', 'in_writing', 'not_satisfied', 'answered_in_writing', 'forwarded', 'hidden',
]);

/** Still waiting for a written answer: these can be overdue. */
const OPEN_WRITTEN = new Set(['in_writing', 'not_satisfied']);
const WRITTEN = new Set(['in_writing', 'not_satisfied', 'answered_in_writing']);

const VN_OFFSET_MS = 7 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** @param {number} n */
const two = (n) => String(n).padStart(2, '0');

/**
 * The day in Vietnam, `YYYY-MM-DD`.
 * @param {number} ms since the Unix epoch
 * @returns {string}
 */
export function vnDay(ms) {
  const d = new Date(ms + VN_OFFSET_MS);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

/**
 * `dd/mm/yyyy`, as Vietnamese documents write dates.
 * @param {string} iso `YYYY-MM-DD`
 * @returns {string}
 */
export function dmy(iso) {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/**
 * `dd/mm/yyyy hh:mm` in Vietnam's time.
 * @param {number} ms
 * @returns {string}
 */
export function vnDateTime(ms) {
  const d = new Date(ms + VN_OFFSET_MS);
  return `${dmy(vnDay(ms))} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/**
 * `hh:mm` in Vietnam's time.
 * @param {number} ms
 * @returns {string}
 */
export function vnTime(ms) {
  return vnDateTime(ms).slice(11);
}

/**
 * Whole days from `from` to `to`, both `YYYY-MM-DD` (negative when `to` is earlier).
 * @param {string} from
 * @param {string} to
 * @returns {number}
 */
export function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * Counts by a key, most first, then by key; the questions without one
 * (`null`) last.
 * @param {ExportQuestion[]} questions
 * @param {(q: ExportQuestion) => string | null} keyOf
 * @returns {Tally[]}
 */
export function tally(questions, keyOf) {
  /** @type {Map<string | null, number>} */
  const counts = new Map();
  for (const q of questions) {
    const key = keyOf(q);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => ({ key, count })).sort((a, b) => {
    if ((a.key === null) !== (b.key === null)) return a.key === null ? 1 : -1;
    return b.count - a.count || String(a.key).localeCompare(String(b.key), 'vi');
  });
}

/**
 * Who asked, as the export names them: a question anonymous to everyone
 * (or one whose asker gave nothing) by its level only.
 * @param {ExportQuestion} q
 * @param {(level: ExportIdentity) => string} levelWords
 * @returns {string}
 */
export function askerText(q, levelWords) {
  if (q.identity === 'anonymous') return levelWords('anonymous');
  const parts = [q.identity === 'unit_only' ? null : q.name, q.unit].filter((p) => p);
  if (parts.length === 0) return levelWords(q.identity);
  const who = parts.join(', ');
  return q.identity === 'hidden_from_hall' ? `${who} (${levelWords('hidden_from_hall')})` : who;
}

/**
 * Everything the report prints, from one export at the report's time.
 * A question merged into another is counted once, in the one it was
 * merged into; a hidden question is counted by status only (it is not
 * part of the meeting's topics, units or officials).
 * @param {Export} data
 * @param {number} now the report's time (ms)
 */
export function buildReport(data, now) {
  const all = data.questions;
  const counted = all.filter((q) => q.merged_into === null);
  const shown = counted.filter((q) => q.status !== 'hidden');
  const today = vnDay(now);
  const days = all.map((q) => vnDay(q.asked_at)).sort();
  const byId = (/** @type {ExportQuestion} */ a, /** @type {ExportQuestion} */ b) => a.id - b.id;

  /** @type {WrittenRow[]} */
  const written = counted
    .filter((q) => WRITTEN.has(q.status))
    .sort(byId)
    .map((question) => ({
      question,
      overdueDays: OPEN_WRITTEN.has(question.status) && question.due ? Math.max(0, daysBetween(question.due, today)) : 0,
    }));
  const byStatus = STATUSES.map((status) => ({ key: status, count: counted.filter((q) => q.status === status).length }));

  return {
    title: data.event.title,
    code: data.event.join_code,
    /** The meeting's days: its questions' first and last, else the export's. */
    firstDay: days[0] ?? vnDay(data.event.exported_at),
    lastDay: days[days.length - 1] ?? vnDay(data.event.exported_at),
    today,
    now,
    dataAt: data.event.exported_at,
    seq: data.event.entries_seq,
    chainHead: typeof data.event.chain_head === 'string' ? data.event.chain_head : null,
    total: counted.length,
    merged: all.length - counted.length,
    byStatus: byStatus.filter((s) => s.count > 0),
    byTopic: tally(shown, (q) => q.topic),
    // An anonymous question's unit was never kept: with those that gave none.
    byUnit: tally(shown, (q) => (q.identity === 'anonymous' ? null : q.unit)),
    byOfficial: tally(shown, (q) => q.addressed_to),
    live: counted
      .filter((q) => q.answered_live_at !== null)
      .sort((a, b) => (a.answered_live_at ?? 0) - (b.answered_live_at ?? 0) || a.id - b.id),
    written,
    overdue: written.filter((r) => r.overdueDays > 0),
    forwarded: counted.filter((q) => q.forwarded_to !== null).sort(byId),
    answers: counted.filter((q) => q.answers.length > 0).sort(byId),
  };
}

/** @typedef {ReturnType<typeof buildReport>} Report */

/**
 * A string for a CSS `content: "…"` value: quotes, backslashes and line
 * ends escaped, so an event title cannot end the declaration.
 * @param {string} text
 * @returns {string}
 */
export function cssString(text) {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n\f]+/g, ' ')}"`;
}
