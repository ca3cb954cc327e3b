// A roster event's delegate card on the attendee's phone. The card's QR
// opens `/j/CODE#d=XXXXXXXX`: the code is read from the fragment (which
// browsers never send), removed from the address bar, and claimed in the
// next hello; a delegate without the QR types the code instead. The page
// then says whose card this phone holds, and says so clearly when the card
// moved to another device.

import { byId, setKey, setText, tr } from './dom.js';

/** The code's alphabet: no 0/O, 1/I/L (as the server's). */
const ALPHABET = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/;

/**
 * A code as typed (any case, spaces, dashes) to `XXXX-XXXX`, or null.
 * @param {string} typed
 * @returns {string | null}
 */
export function normalizeCard(typed) {
  const raw = typed.replace(/[\s\-‐-―−_.]/g, '').toUpperCase();
  return ALPHABET.test(raw) ? `${raw.slice(0, 4)}-${raw.slice(4)}` : null;
}

/**
 * The card code in a fragment such as `#d=ABCDEFGH`, or null.
 * @param {string} hash
 * @returns {string | null}
 */
export function cardFromHash(hash) {
  const m = /^#d=([^&]+)/.exec(hash);
  return m ? normalizeCard(decodeURIComponent(m[1])) : null;
}

/**
 * @typedef {object} CardUi
 * @property {HTMLElement} section the claim form's section
 * @property {HTMLFormElement} form
 * @property {HTMLInputElement} input
 * @property {HTMLElement} error
 * @property {HTMLButtonElement} submit
 * @property {HTMLElement} who "Delegate: name · unit"
 */

/** @returns {CardUi} the attendee page's elements */
function pageUi() {
  return {
    section: byId('card', HTMLElement),
    form: byId('card-form', HTMLFormElement),
    input: byId('card-code', HTMLInputElement),
    error: byId('card-error', HTMLElement),
    submit: byId('card-submit', HTMLButtonElement),
    who: byId('delegate', HTMLElement),
  };
}

export class DelegateCard {
  /**
   * @param {() => void} reconnect says hello again (with the code)
   * @param {CardUi} [ui]
   */
  constructor(reconnect, ui = pageUi()) {
    this.ui = ui;
    this.reconnect = reconnect;
    /** The code to claim in the next hello. @type {string | null} */
    this.pending = cardFromHash(location.hash);
    if (location.hash.startsWith('#d=')) {
      history.replaceState(null, '', location.pathname + location.search);
    }
    /** Whose card this device holds. @type {import('./protocol').DelegateWho | null} */
    this.delegate = null;
    /** Roster mode, as the last state said. */
    this.roster = false;
    ui.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const code = normalizeCard(ui.input.value);
      if (!code) return this.fail('card.invalid');
      this.pending = code;
      ui.error.hidden = true;
      setKey(ui.submit, 'card.checking');
      ui.submit.setAttribute('aria-disabled', 'true');
      this.reconnect();
    });
  }

  /** For the hello: the code once, then nothing (the token is kept instead). */
  claim() {
    return this.pending;
  }

  /** @param {import('./client.js').WelcomeMsg} msg */
  welcome(msg) {
    this.pending = null;
    this.delegate = msg.delegate ?? null;
    this.idle();
    if (this.delegate) this.ui.input.value = '';
    this.show();
  }

  /** @param {'unknown_code' | 'moved'} reason */
  refused(reason) {
    this.pending = null;
    this.delegate = null;
    this.fail(reason === 'moved' ? 'card.moved' : 'card.unknown_code');
    this.show();
  }

  /** @param {boolean} roster */
  setRoster(roster) {
    this.roster = roster;
    this.show();
  }

  /** A delegate may ask and vote; a guest of a roster event may not. */
  get canAct() {
    return !this.roster || this.delegate !== null;
  }

  show() {
    const { section, who } = this.ui;
    section.hidden = !this.roster || this.delegate !== null;
    who.hidden = !this.delegate;
    if (this.delegate) {
      const d = this.delegate;
      setText(who, tr('card.you', { who: [d.name, d.unit].filter(Boolean).join(' · ') }));
    }
  }

  /** @param {import('./i18n.js').Key} key */
  fail(key) {
    this.idle();
    setKey(this.ui.error, key);
    this.ui.error.hidden = false;
  }

  idle() {
    setKey(this.ui.submit, 'card.submit');
    this.ui.submit.removeAttribute('aria-disabled');
  }
}
