// Who is working at this panel: a personal staff link's name and role
// (from `welcome`), shown in the top bar; roles that only watch get the
// panel without its controls. And who is connected (from `presence`):
// a warning when nothing is on the projector, the staff, the hall.

import { currentLang, el, setText, tr } from './dom.js';
import { presenceView } from './presence.js';
import { ProjectorStatus } from './modprojector.js';

/** @typedef {import('./protocol').StaffWho} StaffWho */
/** @typedef {import('./client.js').WelcomeMsg} WelcomeMsg */
/** @typedef {import('./presence.js').PresenceMsg} PresenceMsg */

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
    // Only the chair (or the shared link) may export: the report link is theirs.
    document.body.classList.toggle('is-chair', role === undefined || role === 'chair');
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

/** @param {string} id */
const node = (id) => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found;
};

/** The panel's view of who is connected. */
export class PanelPresence {
  constructor() {
    this.badge = node('presence');
    this.badgeText = node('presence-text');
    // A live region that is always in the page and empty when all is well:
    // filling it is what screen readers announce.
    this.warning = node('no-screen');
    this.screens = node('who-screens');
    this.staff = node('who-staff');
    this.shared = node('who-shared');
    this.attendees = node('who-attendees');
    this.roster = node('who-roster');
    this.projector = new ProjectorStatus();
    /** @type {PresenceMsg | null} */
    this.msg = null;
  }

  /** @param {boolean} live whether the panel's own connection is up */
  connected(live) {
    this.projector.connected(live);
  }

  /** @param {PresenceMsg} msg */
  update(msg) {
    this.msg = msg;
    this.projector.presence(msg.screens);
    this.render();
  }

  /** Also after a language switch. */
  render() {
    this.projector.render();
    if (!this.msg) return;
    const v = presenceView(currentLang(), this.msg);
    this.badge.hidden = false;
    setText(this.badgeText, v.badge);
    setText(this.warning, v.warning);
    setText(this.screens, v.screens);
    this.screens.classList.toggle('off', !v.screenOn);
    this.staff.replaceChildren(...v.staff.map((s) => {
      const li = el('li', s.on ? 'on' : 'off');
      li.dataset.id = s.id;
      const detail = el('span', 'who-detail');
      detail.append(el('span', 'who-role', s.role), ' · ', el('span', 'who-state', s.state));
      li.append(el('span', 'who-name', s.name), detail);
      return li;
    }));
    this.staff.hidden = v.staff.length === 0;
    setText(this.shared, v.shared);
    this.shared.hidden = !v.shared;
    setText(this.attendees, v.attendees);
    setText(this.roster, v.roster);
    this.roster.hidden = !v.roster;
  }
}
