// Who will see the asker's name: the choice the attendee makes before
// sending, among the levels the event allows. The form says in words who
// sees what (consent must be explicit: nothing is preselected when there is
// a choice), sends only what the choice shows, and keeps the choice for the
// next question.

import { tr } from './dom.js';

/** @typedef {import('./protocol').Identity} Identity */
/** @typedef {import('./protocol').Settings} Settings */

/** Display order, most open first. @type {Identity[]} */
export const LEVELS = ['named', 'unit_only', 'hidden_from_hall', 'anonymous'];

/**
 * The levels the event allows (settings from an older server have only
 * `allow_anonymous`, which meant hidden from the hall).
 * @param {Settings} settings
 * @returns {Identity[]}
 */
export function allowedLevels(settings) {
  if (settings.identities?.length) return LEVELS.filter((l) => settings.identities?.includes(l));
  return settings.allow_anonymous ? ['named', 'hidden_from_hall'] : ['named'];
}

/**
 * What the question carries for a level: the name and unit only where the
 * level shows them, so a hidden name never leaves the phone.
 * @param {Identity} level
 * @param {string} name
 * @param {string} unit
 * @returns {{name?: string, unit?: string}}
 */
export function carried(level, name, unit) {
  /** @type {{name?: string, unit?: string}} */
  const out = {};
  if (name && (level === 'named' || level === 'hidden_from_hall')) out.name = name;
  if (unit && level !== 'anonymous') out.unit = unit;
  return out;
}

/**
 * The choice to use: the one remembered if still allowed, the only one if
 * there is one, otherwise none (the asker must choose).
 * @param {Identity[]} allowed
 * @param {string | null} remembered
 * @returns {Identity | null}
 */
export function initialChoice(allowed, remembered) {
  const kept = allowed.find((l) => l === remembered);
  if (kept) return kept;
  return allowed.length === 1 ? allowed[0] : null;
}

/**
 * The radio group in the ask form. Options are rebuilt only when the
 * allowed levels change, never while the person types elsewhere.
 */
export class IdentityPicker {
  /**
   * @param {{fieldset: HTMLFieldSetElement, options: HTMLElement, summary: HTMLElement,
   *   nameRow: HTMLElement, unitRow: HTMLElement}} ui
   * @param {(level: Identity) => void} onChoose
   */
  constructor(ui, onChoose) {
    this.ui = ui;
    this.onChoose = onChoose;
    /** @type {Identity[]} */
    this.allowed = [];
    /** @type {Identity | null} */
    this.choice = null;
  }

  /**
   * @param {Identity[]} allowed
   * @param {string | null} remembered
   */
  show(allowed, remembered) {
    const same = allowed.join() === this.allowed.join();
    if (!same) {
      this.allowed = allowed;
      this.choice = initialChoice(allowed, this.choice ?? remembered);
      this.build();
    }
    this.refresh();
  }

  build() {
    const { options } = this.ui;
    options.replaceChildren();
    for (const level of this.allowed) {
      const id = `identity-${level}`;
      const row = document.createElement('div');
      row.className = 'identity-option';
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = 'identity';
      input.id = id;
      input.value = level;
      input.checked = level === this.choice;
      input.setAttribute('aria-describedby', `${id}-who`);
      input.addEventListener('change', () => {
        if (!input.checked) return;
        this.choice = level;
        this.onChoose(level);
        this.refresh();
      });
      const label = document.createElement('label');
      label.htmlFor = id;
      const title = document.createElement('span');
      title.className = 'identity-title';
      title.dataset.i18n = `identity.${level}`;
      title.textContent = tr(`identity.${level}`);
      const whoSees = document.createElement('span');
      whoSees.className = 'identity-who';
      whoSees.id = `${id}-who`;
      whoSees.dataset.i18n = `identity.${level}.who`;
      whoSees.textContent = tr(`identity.${level}.who`);
      label.append(title, whoSees);
      row.append(input, label);
      options.append(row);
    }
    // With one level there is nothing to choose: the summary says it.
    options.hidden = this.allowed.length < 2;
  }

  /** The name and unit fields follow the choice; the summary states it. */
  refresh() {
    const level = this.choice;
    this.ui.nameRow.hidden = level === 'unit_only' || level === 'anonymous';
    this.ui.unitRow.hidden = level === 'anonymous';
    /** @type {import('./i18n.js').Key} */
    const key = level ? `identity.${level}.who` : 'identity.choose';
    this.ui.summary.dataset.i18n = key;
    this.ui.summary.textContent = tr(key);
    this.ui.summary.classList.toggle('needs-choice', level === null);
  }
}
