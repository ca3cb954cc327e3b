// What happens after a question, in words: where it stands, its steps, its
// addressee, dates as people in the hall write them (dd/mm/yyyy). Pure (no
// DOM), so the phone's and the projector's wording is unit-tested.

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./protocol').Step} Step */
/** @typedef {import('./protocol').Topic} Topic */
/** @typedef {import('./protocol').Official} Official */
/** @typedef {import('./i18n.js').Key} Key */
/** @typedef {{key: Key, params?: Record<string, string | number>}} Words */

/**
 * `YYYY-MM-DD` (the meeting's calendar day) as `dd/mm/yyyy`; anything else
 * as it came, rather than a wrong date.
 * @param {string} day
 * @returns {string}
 */
export function formatDue(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : day;
}

/**
 * A moment as the day it fell on here, `dd/mm/yyyy`.
 * @param {number} ms since the epoch
 * @returns {string}
 */
export function formatDay(ms) {
  const d = new Date(ms);
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()}`;
}

/**
 * @param {Array<{id: string | number, name: string}>} list
 * @param {string | number | undefined} id
 * @returns {string}
 */
export function nameOf(list, id) {
  if (id === undefined) return '';
  return list.find((x) => x.id === id)?.name ?? '';
}

/**
 * Where a question stands, in a sentence.
 * @param {Question} q
 * @param {number | null} current the question being answered now
 * @returns {Words}
 */
export function standing(q, current) {
  if (q.merged_into !== undefined) return { key: 'fu.state.merged', params: { n: q.merged_into } };
  if (q.id === current) return { key: 'fu.state.current' };
  switch (q.status) {
    case 'in_writing':
      return q.due ? { key: 'fu.state.in_writing', params: { due: formatDue(q.due) } } : { key: 'fu.state.in_writing.nodue' };
    case 'forwarded': {
      const authority = q.authority ?? '';
      return q.due
        ? { key: 'fu.state.forwarded.due', params: { authority, due: formatDue(q.due) } }
        : { key: 'fu.state.forwarded', params: { authority } };
    }
    default:
      return { key: /** @type {Key} */ (`fu.state.${q.status}`) };
  }
}

/**
 * Whether the asker may say the answer did not satisfy them (the server
 * allows it on an answered question, live or in writing, also after the
 * meeting).
 * @param {Question} q
 * @returns {boolean}
 */
export function canObject(q) {
  return q.merged_into === undefined && (q.status === 'answered' || q.status === 'answered_in_writing');
}

/**
 * A step of the asker's history: its line and, when given, its reason.
 * @param {Step} step
 * @returns {{what: Words, reason: Words | null, day: string}}
 */
export function stepWords(step) {
  const to = step.to ?? '';
  const due = step.due ? formatDue(step.due) : '';
  /** @type {Words} */
  let what;
  switch (step.kind) {
    case 'routed':
      what = to ? { key: 'fu.step.routed', params: { to } } : { key: 'fu.step.routed.none' };
      break;
    case 'in_writing':
    case 'due_extended':
      what = { key: `fu.step.${step.kind}`, params: { due } };
      break;
    case 'forwarded':
    case 'merged':
      what = { key: `fu.step.${step.kind}`, params: { to } };
      break;
    default:
      what = { key: /** @type {Key} */ (`fu.step.${step.kind}`) };
  }
  return {
    what,
    reason: step.reason ? { key: 'fu.step.reason', params: { reason: step.reason } } : null,
    day: formatDay(step.at),
  };
}

/**
 * The topic and the addressee of a question, by name ('' when none).
 * @param {Question} q
 * @param {Topic[]} topics
 * @param {Official[]} officials
 * @returns {{topic: string, official: string}}
 */
export function routeNames(q, topics, officials) {
  return { topic: nameOf(topics, q.topic), official: nameOf(officials, q.official) };
}

/**
 * The official a topic goes to unless the asker picks another ('' when
 * the topic has none, or its official is no longer one).
 * @param {Topic[]} topics
 * @param {Official[]} officials
 * @param {number | null} topic
 * @returns {string}
 */
export function defaultOfficial(topics, officials, topic) {
  const id = topics.find((t) => t.id === topic)?.official;
  return id && officials.some((o) => o.id === id) ? id : '';
}

/**
 * The time of a question's latest published answer, else when it was asked.
 * @param {Question} q
 * @returns {number}
 */
export function answeredAt(q) {
  return Math.max(q.created_at, ...(q.answers ?? []).map((a) => a.at));
}

/**
 * The public "answered" tab: the answered questions (live or in writing),
 * latest answer first; and those still waiting for a written answer
 * (in writing, forwarded, or sent back as not satisfied), earliest due
 * date first.
 * @param {Iterable<Question>} questions
 * @returns {{done: Question[], waiting: Question[]}}
 */
export function answeredTab(questions) {
  /** @type {Question[]} */
  const done = [];
  /** @type {Question[]} */
  const waiting = [];
  for (const q of questions) {
    if (q.status === 'answered' || q.status === 'answered_in_writing') done.push(q);
    else if (q.status === 'in_writing' || q.status === 'forwarded' || q.status === 'not_satisfied') waiting.push(q);
  }
  done.sort((a, b) => answeredAt(b) - answeredAt(a) || b.id - a.id);
  // No due date sorts last: ISO days compare as strings.
  waiting.sort((a, b) => (a.due ?? '9999').localeCompare(b.due ?? '9999') || a.id - b.id);
  return { done, waiting };
}
