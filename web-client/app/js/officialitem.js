// One question on the official's page: what was asked and by whom, its
// topic and due date, why the asker sent it back, the answers published
// so far, and the answer being written. The text field is never written
// while someone types in it (Telex and VNI compose a letter over several
// key presses; replacing the value mid-word breaks the letter).

import { currentLang, el, fromTemplate, find, setText, tr } from './dom.js';
import { errorText } from './i18n.js';
import {
  currentDraft, formatDay, formatMoment, isOverdue, isWritable, notSatisfiedReason, publishedAnswers,
} from './officiallist.js';
import { charCount } from './text.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./i18n.js').Key} Key */

/** The server's limit on an answer, in characters after NFC (followup.rs, MAX_ANSWER). */
export const MAX_ANSWER = 4000;

/**
 * @typedef {object} ItemContext
 * @property {string} today `YYYY-MM-DD` in Vietnam
 * @property {boolean} canWrite this link may save drafts
 * @property {boolean} canPublish this link may publish (the official, or the chair)
 * @property {boolean} showTo say whom it is addressed to (a clerk's page covers several)
 * @property {(id: string | undefined) => string} officialName
 * @property {(id: number | undefined) => string | null} topicName
 * @property {boolean} busy a request for it is on its way
 * @property {string | null} error the last refusal's code
 */

/**
 * A refusal, in words that say what to do about it.
 * @param {string} code
 * @returns {string}
 */
export function refusalText(code) {
  /** @type {Record<string, Key>} */
  const own = {
    forbidden: 'off.err.forbidden',
    invalid_transition: 'off.err.invalid_transition',
    invalid_text: 'off.err.invalid_text',
    too_long: 'off.err.too_long',
    bad_message: 'off.err.bad_message',
    unknown_official: 'off.err.unknown_official',
  };
  const key = own[code];
  return key ? tr(key, { max: MAX_ANSWER }) : errorText(currentLang(), code);
}

/**
 * @param {Question} q
 * @returns {HTMLElement}
 */
export function createItem(q) {
  const node = fromTemplate('off-item');
  node.dataset.id = String(q.id);
  const area = find(node, '.oq-text', HTMLTextAreaElement);
  area.id = `oq-text-${q.id}`;
  find(node, '.oq-label', HTMLLabelElement).htmlFor = area.id;
  area.dataset.base = '';
  return node;
}

/**
 * @param {HTMLTextAreaElement} area
 * @returns {boolean} the text differs from the draft last shown in it
 */
export function isDirty(area) {
  return area.value !== (area.dataset.base ?? '');
}

/**
 * The counter and the buttons follow what is typed.
 * @param {HTMLElement} node
 */
export function updateCounter(node) {
  const area = find(node, '.oq-text', HTMLTextAreaElement);
  const n = charCount(area.value);
  const counter = find(node, '.oq-counter', HTMLElement);
  setText(counter, tr('off.editor.counter', { n, max: MAX_ANSWER }));
  counter.classList.toggle('over', n > MAX_ANSWER);
  const empty = area.value.trim() === '';
  const busy = node.classList.contains('busy');
  const hasDraft = node.dataset.draft !== undefined;
  const save = find(node, '[data-action="save"]', HTMLButtonElement);
  save.disabled = busy || empty || n > MAX_ANSWER || !isDirty(area);
  const publish = find(node, '[data-action="publish"]', HTMLButtonElement);
  publish.disabled = busy || n > MAX_ANSWER || (empty && !hasDraft) || (empty && isDirty(area));
  const draftNote = find(node, '.oq-draft', HTMLElement);
  if (isDirty(area)) setText(draftNote, tr('off.draft.unsaved'));
  else setText(draftNote, node.dataset.draftNote ?? '');
}

/**
 * @param {HTMLElement} node
 * @param {Question} q
 * @param {ItemContext} ctx
 */
export function updateItem(node, q, ctx) {
  setText(find(node, '.oq-id', HTMLElement), `#${q.id}`);
  const chip = find(node, '.oq-status', HTMLElement);
  chip.className = `chip oq-status st-${q.status}`;
  setText(chip, tr(/** @type {Key} */ (`off.status.${q.status}`)));
  const topic = ctx.topicName(q.topic);
  const topicNode = find(node, '.oq-topic', HTMLElement);
  topicNode.hidden = !topic;
  setText(topicNode, topic ?? '');
  const due = find(node, '.oq-due', HTMLElement);
  const owed = q.status === 'in_writing' || q.status === 'not_satisfied';
  due.hidden = !q.due || !owed;
  setText(due, q.due ? tr('off.due', { date: formatDay(q.due) }) : '');
  const late = isOverdue(q, ctx.today);
  find(node, '.oq-overdue', HTMLElement).hidden = !late;
  node.classList.toggle('late', late);
  node.classList.toggle('sent-back', q.status === 'not_satisfied');

  setText(find(node, '.q-text', HTMLElement), q.text);
  // The panel's feed already leaves out what this audience may not see.
  const who = [q.name, q.unit].filter(Boolean).join(' · ');
  const asked = tr('off.asked', { when: formatMoment(q.created_at) });
  setText(find(node, '.oq-who', HTMLElement), `${who || tr('off.anonymous')} — ${asked}`);
  const to = find(node, '.oq-to', HTMLElement);
  to.hidden = !ctx.showTo;
  setText(to, tr('off.to', { name: ctx.officialName(q.official) }));
  const authority = find(node, '.oq-authority', HTMLElement);
  authority.hidden = !(q.status === 'forwarded' && q.authority);
  setText(authority, q.authority ? tr('off.forwarded_to', { authority: q.authority }) : '');

  const reason = notSatisfiedReason(q);
  find(node, '.oq-reason', HTMLElement).hidden = reason === null;
  setText(find(node, '.oq-reason-text', HTMLElement), reason ?? '');

  renderAnswers(find(node, '.oq-answers', HTMLOListElement), q);
  renderEditor(node, q, ctx);
}

/**
 * @param {HTMLOListElement} list
 * @param {Question} q
 */
function renderAnswers(list, q) {
  const answers = publishedAnswers(q);
  list.hidden = answers.length === 0;
  const key = answers.map((a) => `${a.id}:${a.at}`).join(',') + currentLang();
  // Rebuilt only when they change: they are read, perhaps selected to copy.
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(...answers.map((a, i) => {
    const li = el('li', 'oq-answer');
    li.append(
      el('p', 'oq-answer-head', `${tr('off.answer.n', { n: i + 1 })} · ${a.signed_by} · ${formatMoment(a.at)}`),
      el('p', 'oq-answer-text', a.text),
    );
    return li;
  }));
}

/**
 * @param {HTMLElement} node
 * @param {Question} q
 * @param {ItemContext} ctx
 */
function renderEditor(node, q, ctx) {
  const editor = find(node, '.oq-editor', HTMLElement);
  // A forwarded question is answered by the authority it went to; the
  // panel publishes what that authority sends.
  const writable = ctx.canWrite && isWritable(q.status) && q.status !== 'forwarded';
  const draft = currentDraft(q);
  // An answered question takes an additional answer, on request: an empty
  // field under every answered question would only lengthen the page.
  // Never over text typed here or a refusal to read.
  const area = find(node, '.oq-text', HTMLTextAreaElement);
  const folded = q.status === 'answered_in_writing' && !draft && node.dataset.open !== '1'
    && !isDirty(area) && !ctx.error;
  find(node, '.oq-more', HTMLButtonElement).hidden = !writable || !folded;
  const open = writable && !folded;
  editor.hidden = !open;
  if (!open) return;
  /** @type {Key} */
  const label = q.status === 'not_satisfied' ? 'off.editor.label.again'
    : q.status === 'answered_in_writing' ? 'off.editor.label.more' : 'off.editor.label';
  setText(find(node, '.oq-label', HTMLElement), tr(label));
  if (draft) node.dataset.draft = String(draft.id);
  else delete node.dataset.draft;
  node.dataset.draftNote = draft
    ? tr('off.draft.saved', { when: formatMoment(draft.at), who: draft.written_by ?? draft.signed_by })
    : tr('off.draft.none');

  const server = draft?.text ?? '';
  const composing = area.dataset.composing === '1';
  // `baseId`: the draft the text in the field started from. Kept while
  // typing, so that saving over a draft that was published meanwhile is
  // refused instead of becoming a second answer unnoticed.
  if (area.value === server) {
    area.dataset.base = server;
    area.dataset.baseId = draft ? String(draft.id) : '';
  } else if (!isDirty(area) && !composing) {
    // Someone else saved (the clerk, or this official on another device)
    // and nothing is being typed here: show their text.
    area.value = server;
    area.dataset.base = server;
    area.dataset.baseId = draft ? String(draft.id) : '';
  }
  node.classList.toggle('busy', ctx.busy);
  const error = find(node, '.oq-error', HTMLElement);
  error.hidden = !ctx.error;
  setText(error, ctx.error ? refusalText(ctx.error) : '');
  find(node, '[data-action="publish"]', HTMLButtonElement).hidden = !ctx.canPublish;
  find(node, '.oq-no-publish', HTMLElement).hidden = ctx.canPublish;
  updateCounter(node);
}
