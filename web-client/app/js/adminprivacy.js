// The organiser console's side of personal data (docs/privacy.md): one
// person's data as a JSON file (`GET /api/events/CODE/people`), and
// detaching names and units from the record (`POST …/people/detach`),
// always after a dialog that says what goes and that it cannot be undone:
// the server removes the names from the log itself, so there is no undo
// to offer. Used by the roster (per delegate) and the event's "Báo cáo và
// dữ liệu" box (by question number, and everyone at once).

import { byId, el, tr } from './dom.js';
import { ApiError, api, eventPath } from './adminapi.js';
import { busy, errorMessage, openDialog, say } from './adminui.js';

/** @typedef {import('./i18n.js').Key} Key */

/**
 * Whom a request is about, as the API takes it.
 * @typedef {{delegate: string} | {question: number} | {all: true}} Who
 * @typedef {{seq: number | null, questions: number[], delegates: string[],
 *   entries_rewritten: number}} Detached
 */

/**
 * The file a person's data is saved as: `hoidap-CODE-d12.json`, or
 * `hoidap-CODE-q7.json` for the asker of a question who is no delegate.
 * @param {string} code
 * @param {{delegate: string} | {question: number}} who
 * @param {{delegate?: {id: string}} | null} [data]
 */
export function personFileName(code, who, data) {
  const id = 'delegate' in who ? who.delegate : data?.delegate?.id ?? `q${who.question}`;
  return `hoidap-${code}-${id}.json`;
}

/**
 * The result of a detach in words.
 * @param {Detached} res
 */
export function detachedText(res) {
  if (res.seq === null) return tr('adm.privacy.nothing');
  return tr('adm.privacy.done', { q: res.questions.length, d: res.delegates.length, e: res.entries_rewritten });
}

/**
 * What the organiser is told for a refused request about question `n`.
 * @param {unknown} err
 * @param {number} [n]
 */
export function personErrorText(err, n) {
  if (n !== undefined && err instanceof ApiError) {
    if (err.code === 'forbidden') return tr('adm.privacy.err.anonymous', { n });
    if (err.code === 'unknown_question') return tr('adm.privacy.err.unknown_question', { n });
  }
  return errorMessage(err);
}

/**
 * Fetches a person's data with the admin token in the header (never in a
 * URL) and hands it to the browser as a file.
 * @param {string} code
 * @param {{delegate: string} | {question: number}} who
 * @returns {Promise<string>} the file's name
 */
export async function downloadPerson(code, who) {
  const query = 'delegate' in who ? `delegate=${encodeURIComponent(who.delegate)}` : `question=${who.question}`;
  const data = await api('GET', `${eventPath(code)}/people?${query}`);
  const name = personFileName(code, who, data);
  const url = URL.createObjectURL(new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' }));
  const a = el('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

/**
 * Asks, then detaches. The dialog lists what goes, what stays, and that
 * it cannot be undone.
 * @param {string} code
 * @param {Who} who
 * @param {string} title
 * @returns {Promise<Detached | null>} null when the organiser said no
 */
export async function confirmDetach(code, who, title) {
  /** @type {Key[]} */
  const removed = 'all' in who
    ? ['adm.privacy.removed.all_delegates', 'adm.privacy.removed.all_questions']
    : 'delegate' in who
      ? ['adm.privacy.removed.delegate', 'adm.privacy.removed.questions']
      : ['adm.privacy.removed.questions'];
  const list = el('ul', 'removed-list');
  list.append(...removed.map((key) => el('li', '', tr(key))));
  const text = el('div', 'privacy-text');
  text.append(
    el('p', '', tr('adm.privacy.removed')), list,
    el('p', '', tr('adm.privacy.removed.log')),
    el('p', 'muted', tr('adm.privacy.kept')),
    el('p', 'form-error', tr('adm.privacy.irreversible')),
  );
  const ok = await openDialog({ title, body: [text], ok: tr('adm.privacy.detach'), danger: true });
  if (!ok) return null;
  return api('POST', `${eventPath(code)}/people/detach`, { json: who });
}

/** @type {string} the event the box acts on */
let current = '';
const form = byId('person-form', HTMLFormElement);
const number = byId('person-question', HTMLInputElement);
const error = byId('person-error', HTMLElement);
const result = byId('privacy-result', HTMLElement);
const downloadButton = byId('person-download', HTMLButtonElement);
const detachButton = byId('person-detach', HTMLButtonElement);
const allButton = byId('detach-all', HTMLButtonElement);

/**
 * Points the "Dữ liệu cá nhân" part of the event's box at an event.
 * @param {string} code
 */
export function renderPrivacy(code) {
  if (code !== current) number.value = '';
  current = code;
  error.hidden = true;
  number.removeAttribute('aria-invalid');
  result.textContent = '';
}

/**
 * The question number typed, or null (with the reason shown).
 * @returns {number | null}
 */
function questionNumber() {
  error.hidden = true;
  number.removeAttribute('aria-invalid');
  result.textContent = '';
  const n = Number(number.value);
  if (number.value.trim() && Number.isInteger(n) && n > 0) return n;
  fail(tr('adm.privacy.bad_number'));
  number.focus();
  return null;
}

/** @param {string} text */
function fail(text) {
  error.textContent = text;
  error.hidden = false;
  number.setAttribute('aria-invalid', 'true');
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const n = questionNumber();
  if (n === null) return;
  busy(downloadButton, async () => {
    try {
      say(tr('adm.privacy.downloaded', { file: await downloadPerson(current, { question: n }) }));
    } catch (err) {
      fail(personErrorText(err, n));
    }
  });
});

detachButton.addEventListener('click', () => {
  const n = questionNumber();
  if (n === null) return;
  busy(detachButton, async () => {
    try {
      const res = await confirmDetach(current, { question: n }, tr('adm.privacy.confirm.asker', { n }));
      if (res) result.textContent = detachedText(res);
    } catch (err) {
      fail(personErrorText(err, n));
    }
  });
});

allButton.addEventListener('click', () => busy(allButton, async () => {
  error.hidden = true;
  result.textContent = '';
  try {
    const res = await confirmDetach(current, { all: true }, tr('adm.privacy.confirm.all'));
    if (res) result.textContent = detachedText(res);
  } catch (err) {
    error.textContent = errorMessage(err);
    error.hidden = false;
  }
}));
