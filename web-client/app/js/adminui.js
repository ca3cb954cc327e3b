// Pieces every part of the organiser console uses: the one modal dialog
// (confirmations, a personal link shown once), copying a link, messages.

import { byId, el, toast, tr } from './dom.js';
import { ApiError } from './adminapi.js';
import { apiErrorText } from './adminfmt.js';
import { currentLang } from './dom.js';

/** @typedef {import('./i18n.js').Key} Key */

const dialog = byId('dialog', HTMLDialogElement);
const dialogTitle = byId('dialog-title', HTMLElement);
const dialogContent = byId('dialog-content', HTMLElement);
const dialogOk = byId('dialog-ok', HTMLButtonElement);
const dialogCancel = byId('dialog-cancel', HTMLButtonElement);
const dialogStatus = byId('dialog-status', HTMLElement);
const toastNode = byId('toast', HTMLElement);

/**
 * A modal dialog: `showModal` keeps focus inside, Escape closes it, and
 * focus goes back to what opened it.
 * @param {{title: string, body: Node[], ok: string, cancel?: string | null, danger?: boolean}} opt
 *   `cancel: null` shows only the OK button
 * @returns {Promise<boolean>} whether OK was chosen
 */
export function openDialog(opt) {
  const opener = document.activeElement;
  dialogTitle.textContent = opt.title;
  dialogContent.replaceChildren(...opt.body);
  dialogOk.textContent = opt.ok;
  dialogOk.classList.toggle('danger', !!opt.danger);
  dialogCancel.hidden = opt.cancel === null;
  dialogCancel.textContent = opt.cancel ?? tr('mod.act.cancel');
  dialog.returnValue = '';
  dialogStatus.textContent = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === 'ok');
    }, { once: true });
    dialog.showModal();
    // The safe choice has focus, so Enter never revokes by accident.
    (opt.cancel === null ? dialogOk : dialogCancel).focus();
  });
}

/**
 * Asks before something that cannot be undone.
 * @param {string} title
 * @param {string} text
 * @param {string} ok
 */
export function confirmAction(title, text, ok) {
  return openDialog({ title, body: [el('p', '', text)], ok, danger: true });
}

/**
 * Puts text on the clipboard. The Clipboard API exists only in secure
 * contexts (https, localhost), and a hall's server is reached over plain
 * http at a LAN address, so the fallback selects the text in its field
 * and uses the older copy command.
 * @param {string} text
 * @param {HTMLInputElement} [field] the field showing it, selected on fallback
 * @returns {Promise<boolean>}
 */
export async function copyText(text, field) {
  try {
    if (navigator.clipboard && isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the older way
  }
  const target = field ?? Object.assign(document.createElement('textarea'), { value: text });
  const temporary = !field;
  if (temporary) {
    target.setAttribute('readonly', '');
    target.className = 'sr-only';
    document.body.append(target);
  }
  target.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  if (temporary) target.remove();
  return ok;
}

/**
 * A labelled, read-only field with its link and a copy button.
 * @param {string} id
 * @param {string} label
 * @param {string} value
 * @param {string} [note] shown under it
 * @returns {HTMLElement}
 */
export function linkField(id, label, value, note) {
  const wrap = el('div', 'link-field');
  const lab = el('label', '', label);
  lab.htmlFor = id;
  const row = el('div', 'link-row');
  const input = el('input');
  input.id = id;
  input.type = 'text';
  input.readOnly = true;
  input.value = value;
  input.spellcheck = false;
  input.addEventListener('focus', () => input.select());
  const button = el('button', 'btn secondary copy', tr('adm.copy'));
  button.type = 'button';
  button.dataset.copy = id;
  button.setAttribute('aria-label', `${tr('adm.copy')}: ${label}`);
  button.addEventListener('click', async () => {
    const ok = await copyText(value, input);
    say(ok ? tr('adm.copied') : tr('adm.copy.manual'), ok ? 'info' : 'error');
    if (!ok) input.select();
  });
  row.append(input, button);
  wrap.append(lab, row);
  if (note) wrap.append(el('p', 'muted small', note));
  return wrap;
}

/**
 * A short message in the page's live region.
 * @param {string} text
 * @param {'info' | 'error'} [kind]
 */
export function say(text, kind = 'info') {
  // Outside an open modal dialog the page is inert, and a toast there
  // would sit under the backdrop: the dialog has its own line.
  if (dialog.open) {
    dialogStatus.textContent = text;
    dialogStatus.classList.toggle('error', kind === 'error');
    return;
  }
  toast(toastNode, text, kind);
}

/**
 * An error from the API, said in the organiser's language.
 * @param {unknown} err
 * @returns {string}
 */
export function errorMessage(err) {
  if (err instanceof ApiError) return apiErrorText(currentLang(), err);
  return tr('err.generic');
}

/**
 * Shows an error in a form's message line, or as a toast.
 * @param {unknown} err
 * @param {HTMLElement} [line]
 */
export function showError(err, line) {
  const text = errorMessage(err);
  if (line) {
    line.textContent = text;
    line.hidden = false;
  } else {
    say(text, 'error');
  }
}

/**
 * A button with text, type=button.
 * @param {string} text
 * @param {string} [className]
 * @returns {HTMLButtonElement}
 */
export function button(text, className = 'btn quiet small') {
  const b = el('button', className, text);
  b.type = 'button';
  return b;
}

/**
 * Disables a button while `work` runs, so a double click does not add a
 * staff member twice.
 * @template T
 * @param {HTMLButtonElement} b
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
export async function busy(b, work) {
  b.disabled = true;
  b.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    b.disabled = false;
    b.removeAttribute('aria-busy');
  }
}
