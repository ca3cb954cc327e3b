// Who is working at this panel: a personal staff link's name and role
// (from `welcome`), shown in the top bar; roles that only watch get the
// panel without its controls.

import { tr } from './dom.js';

/** @typedef {import('./protocol').StaffWho} StaffWho */
/** @typedef {import('./client.js').WelcomeMsg} WelcomeMsg */

export class PanelIdentity {
  /**
   * @param {Element | null} roleNode the top bar's role line
   * @param {HTMLElement} readOnlyNote shown to roles that only watch
   */
  constructor(roleNode, readOnlyNote) {
    this.roleNode = roleNode;
    this.note = readOnlyNote;
    /** @type {StaffWho | null} */
    this.me = null;
  }

  /**
   * @param {WelcomeMsg} msg
   * @returns {boolean} whether this panel only watches
   */
  welcomed(msg) {
    this.me = msg.staff ?? null;
    const role = this.me?.role;
    // The shared moderator link acts as the chair.
    const readOnly = role !== undefined && role !== 'chair' && role !== 'moderator';
    document.body.classList.toggle('read-only', readOnly);
    this.note.hidden = !readOnly;
    this.show();
    return readOnly;
  }

  show() {
    const node = this.roleNode;
    if (!node) return;
    // Not left to the page's translation pass, which would put the generic
    // title back.
    node.removeAttribute('data-i18n');
    const me = this.me;
    node.textContent = me ? `${me.name} · ${tr(`staff.role.${me.role}`)}` : tr('mod.title');
  }
}
