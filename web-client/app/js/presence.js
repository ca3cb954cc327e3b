// What the panel shows of who is connected (the server's `presence`):
// whether anything is on the projector, the staff by name, the hall. Pure,
// so the wording is unit-tested; panelwho.js puts it on the page.

import { t } from './i18n.js';

/** @typedef {import('./i18n.js').Lang} Lang */
/** @typedef {Extract<import('./protocol').ServerMsg, {type: 'presence'}>} PresenceMsg */

/**
 * @typedef {object} StaffLine
 * @property {string} id
 * @property {string} name
 * @property {string} role the role, in words
 * @property {boolean} on connected now
 * @property {string} state "connected (2)", "not connected"
 */

/**
 * @typedef {object} PresenceView
 * @property {string} warning empty when a screen is connected
 * @property {boolean} screenOn
 * @property {string} screens
 * @property {StaffLine[]} staff
 * @property {string} shared panel connections through the shared link; empty when none
 * @property {string} attendees
 * @property {string} roster empty outside roster events
 * @property {string} badge the top bar's short count
 */

/**
 * @param {Lang} lang
 * @param {PresenceMsg} msg
 * @returns {PresenceView}
 */
export function presenceView(lang, msg) {
  const on = msg.screens > 0;
  const roster = msg.roster;
  return {
    warning: on ? '' : t(lang, 'pres.no_screen'),
    screenOn: on,
    screens: on ? t(lang, 'pres.screens.on', { n: msg.screens }) : t(lang, 'pres.screens.off'),
    staff: msg.staff.map((s) => ({
      id: s.id,
      name: s.name,
      role: t(lang, `staff.role.${s.role}`),
      on: s.connections > 0,
      state: s.connections > 1
        ? t(lang, 'pres.on.n', { n: s.connections })
        : t(lang, s.connections === 1 ? 'pres.on' : 'pres.off'),
    })),
    shared: msg.links.moderator > 0 ? t(lang, 'pres.shared', { n: msg.links.moderator }) : '',
    attendees: t(lang, 'pres.attendees', { p: msg.participants, n: msg.attendees }),
    roster: roster ? t(lang, 'pres.roster', { ...roster }) : '',
    badge: t(lang, 'mod.presence', { n: roster ? roster.present : msg.participants }),
  };
}
