// Is the projector on, and what is on it (issue 13, item 2)? The header's
// projector status from the server's `presence`, marked not current while
// the panel's own connection is down (the last count would otherwise look
// true during an outage); and a small preview of what the screen shows
// now, derived as screen.js does from the current question and
// settings.screen, so it needs no message of its own.

import { t } from './i18n.js';
import { byId, currentLang, setText } from './dom.js';
import { currentQuestion } from './state.js';

/** @typedef {import('./i18n.js').Lang} Lang */
/** @typedef {import('./state.js').EventState} EventState */

/**
 * @param {Lang} lang
 * @param {number | null} screens null before the first `presence`
 * @param {boolean} live whether the panel is connected to the server now
 * @returns {{state: 'on' | 'off' | 'stale', label: string, value: string, text: string}}
 */
export function projectorLine(lang, screens, live) {
  const label = t(lang, 'proj.label');
  /** @type {'on' | 'off' | 'stale'} */
  const state = !live ? 'stale' : screens && screens > 0 ? 'on' : 'off';
  const value = state === 'on' ? t(lang, 'proj.on', { n: screens ?? 0 }) : t(lang, `proj.${state}`);
  return { state, label, value, text: `${label} ${value}` };
}

/**
 * What the screen shows now, in words.
 * @param {Lang} lang
 * @param {EventState} state
 * @returns {{mode: 'blank' | 'current' | 'idle', label: string, text: string}}
 */
export function previewView(lang, state) {
  if (state.settings.screen?.blank) return { mode: 'blank', label: t(lang, 'proj.preview.blank'), text: state.title };
  const q = currentQuestion(state);
  if (q) return { mode: 'current', label: t(lang, 'now.label'), text: q.text };
  return { mode: 'idle', label: t(lang, 'proj.preview.idle'), text: t(lang, 'proj.preview.idle.text', { code: state.joinCode }) };
}

/** The header's status; the stale marks on the hall's count and the "who" card. */
export class ProjectorStatus {
  constructor() {
    this.node = byId('projector', HTMLElement);
    this.label = byId('projector-label', HTMLElement);
    this.text = byId('projector-text', HTMLElement);
    this.badge = byId('presence', HTMLElement);
    this.badgeStale = byId('presence-stale', HTMLElement);
    this.who = byId('who-stale', HTMLElement);
    /** @type {number | null} */
    this.screens = null;
    this.live = true;
  }

  /** @param {number} screens from `presence` */
  presence(screens) {
    this.screens = screens;
    this.render();
  }

  /** @param {boolean} live */
  connected(live) {
    if (live === this.live) return;
    this.live = live;
    this.render();
  }

  /** Also after a language switch. */
  render() {
    // Nothing to say before the first count (the connection notice covers
    // a panel that never reached the server).
    if (this.screens === null) return;
    const lang = currentLang();
    const line = projectorLine(lang, this.screens, this.live);
    this.node.hidden = false;
    this.node.dataset.state = line.state;
    setText(this.label, line.label);
    setText(this.text, line.value);
    const stale = line.state === 'stale';
    this.badge.classList.toggle('stale', stale);
    setText(this.badgeStale, stale ? t(lang, 'pres.stale') : '');
    this.who.hidden = !stale;
    setText(this.who, stale ? t(lang, 'pres.stale.note') : '');
    this.who.closest('.who')?.setAttribute('aria-busy', String(stale));
  }
}

/** The preview in the screen controls' card. */
export class ScreenPreview {
  constructor() {
    this.node = byId('scr-preview', HTMLElement);
    this.label = byId('scr-preview-label', HTMLElement);
    this.text = byId('scr-preview-text', HTMLElement);
  }

  /** @param {EventState} state */
  render(state) {
    const v = previewView(currentLang(), state);
    this.node.dataset.mode = v.mode;
    setText(this.label, v.label);
    setText(this.text, v.text);
  }
}
