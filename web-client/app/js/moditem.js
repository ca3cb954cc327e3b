// One question on the presiding panel: its header line, text, original
// text, edit box and action buttons. The panel's state stays in
// moderator.js; what an item needs of it comes in as an ItemView.

import { currentLang, find, fromTemplate, setKey, setText, tr, translate } from './dom.js';
import { formatTime, votesText } from './i18n.js';
import { statusKey, updateFollow } from './modfollow.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {'approve' | 'hide' | 'restore' | 'mark_answered' | 'reopen' | 'set_current' | 'clear_current' | 'edit'} Act */

/**
 * Actions offered for a question, the frequent first.
 * @param {Question} q
 * @param {boolean} isCurrent
 * @returns {Act[]}
 */
export function actionsFor(q, isCurrent) {
  // A merged question follows the one it was merged into until unmerged.
  if (q.merged_into !== undefined) return ['edit'];
  switch (q.status) {
    case 'pending': return ['approve', 'hide', 'edit'];
    case 'live': return [isCurrent ? 'clear_current' : 'set_current', 'mark_answered', 'hide', 'edit'];
    case 'answered': return ['reopen', 'hide', 'edit'];
    case 'hidden': return ['restore', 'edit'];
    // The follow-up statuses move through the follow-up's own controls.
    default: return ['edit'];
  }
}

/** Shortcut letters shown on the buttons. @type {Partial<Record<Act, string>>} */
const KEY_OF = { approve: 'a', hide: 'h', set_current: 'c', clear_current: 'c', mark_answered: 'd', edit: 'e' };

/** @param {Question} q */
export function who(q) {
  const parts = [q.name, q.unit].filter(Boolean);
  // A server older than identity levels only says `anonymous` (hidden from the hall).
  const level = q.identity ?? (q.anonymous ? 'hidden_from_hall' : 'named');
  if (level !== 'named') parts.push(`(${tr(`identity.${level}`)})`);
  return parts.join(' · ');
}

/** The share (percent) from which a question's votes are flagged. */
export const SOURCE_WARNING_SHARE = 50;

/**
 * Whether a question's votes come mostly from one address.
 * @param {number | undefined} share `votes_top_source_share`
 */
export function sourceWarning(share) {
  return share !== undefined && share >= SOURCE_WARNING_SHARE;
}

export function createItem() {
  const node = fromTemplate('mq-item');
  translate(node);
  return node;
}

/**
 * How one question is to be shown right now.
 * @typedef {object} ItemView
 * @property {boolean} current being answered
 * @property {boolean} selected the keyboard selection
 * @property {boolean} fresh just arrived, awaiting approval
 * @property {boolean} busy a request about it is in flight
 * @property {boolean} editing its text is being edited
 */

/**
 * Updates an item in place. The edit box is filled once, when editing
 * starts, and the buttons are rebuilt only when they change, so typing and
 * focus survive every update from the server.
 * @param {HTMLElement} node
 * @param {Question} q
 * @param {ItemView} view
 */
export function updateItem(node, q, view) {
  const isCurrent = view.current;
  const selected = view.selected;
  node.dataset.id = String(q.id);
  node.classList.toggle('current', isCurrent);
  node.classList.toggle('selected', selected);
  node.classList.toggle('fresh', view.fresh);
  node.classList.toggle('busy', view.busy);
  node.setAttribute('aria-busy', String(view.busy));
  node.tabIndex = selected ? 0 : -1;
  setText(find(node, '.mq-id', HTMLElement), `#${q.id}`);
  const status = isCurrent ? 'current' : q.status;
  const chip = find(node, '.mq-status', HTMLElement);
  setKey(chip, statusKey(status));
  chip.className = `chip mq-status status-${status}`;
  setText(find(node, '.mq-votes', HTMLElement), votesText(currentLang(), q.votes));
  // Most votes from one address: one laptop under many identities, or a
  // hall behind one NAT (the moderators know which; docs/protocol.md).
  const source = find(node, '.mq-source', HTMLElement);
  const share = q.votes_top_source_share;
  source.hidden = !sourceWarning(share);
  if (share !== undefined) {
    setText(source, tr('mod.source.warn', { n: share }));
    source.title = tr('mod.source.title');
  }
  setText(find(node, '.mq-who', HTMLElement), who(q));
  setText(find(node, '.mq-time', HTMLElement), formatTime(currentLang(), q.created_at));
  setText(find(node, '.q-text', HTMLElement), q.text);
  const orig = find(node, '.mq-orig', HTMLElement);
  orig.hidden = !q.original_text;
  setText(find(orig, '.orig-text', HTMLElement), q.original_text ?? '');
  const edit = find(node, '.mq-edit', HTMLElement);
  const isEditing = view.editing;
  if (edit.hidden === isEditing) {
    edit.hidden = !isEditing;
    // Filled once when editing starts, never while the person types.
    if (isEditing) find(edit, 'textarea', HTMLTextAreaElement).value = q.text;
  }
  find(node, '.q-text', HTMLElement).hidden = isEditing;
  updateFollow(node, q, isCurrent);
  // Rebuild the buttons only when they change, so a focused one survives.
  const acts = actionsFor(q, isCurrent);
  const box = find(node, '.mq-actions', HTMLElement);
  // Public but not live: "on the screen" is shown, disabled, with why.
  const offScreen = q.status !== 'live' && q.status !== 'pending' && q.status !== 'hidden' && q.merged_into === undefined;
  const signature = `${acts.join()}|${offScreen}|${currentLang()}`;
  box.hidden = isEditing;
  if (box.dataset.signature !== signature) {
    box.dataset.signature = signature;
    box.replaceChildren(...acts.map((act) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `btn act act-${act}`;
      b.dataset.action = act;
      b.textContent = tr(`mod.act.${act}`);
      const key = KEY_OF[act];
      if (key) {
        b.setAttribute('aria-keyshortcuts', key);
        const kbd = document.createElement('kbd');
        kbd.textContent = key;
        kbd.setAttribute('aria-hidden', 'true');
        b.append(kbd);
      }
      return b;
    }));
    if (offScreen) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn act act-set_current';
      b.disabled = true;
      b.textContent = tr('mod.act.set_current');
      b.title = tr('fu.not_live');
      const why = document.createElement('span');
      why.className = 'sr-only';
      why.textContent = ` (${tr('fu.not_live')})`;
      b.append(why);
      box.prepend(b);
    }
  }
}

