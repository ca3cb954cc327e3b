// The panel's view per official (issue 11): one button per official, plus
// outside authorities and the unassigned, each with its live count, and the
// chosen group's counts by state (pending, on screen, answered live, in
// writing, forwarded, answered in writing, not satisfied, overdue), each a
// filter of the queue. The counts are modcount.js's; this is the DOM.

import { el, tr } from './dom.js';
import { ALL, BUCKETS, OUTSIDE, UNASSIGNED, countGroups, inView } from './modcount.js';

/** @typedef {import('./protocol').Question} Question */
/** @typedef {import('./state.js').EventState} EventState */
/** @typedef {import('./modcount.js').Bucket} Bucket */
/** @typedef {import('./i18n.js').Key} Key */

export class OfficialView {
  /**
   * @param {HTMLElement} groups the officials' buttons
   * @param {HTMLElement} states the chosen group's counts by state
   * @param {(bucket: Bucket | null) => void} onChange after a choice
   */
  constructor(groups, states, onChange) {
    this.groupsBox = groups;
    this.statesBox = states;
    /** @type {{group: string, bucket: Bucket | null}} */
    this.view = { group: ALL, bucket: null };
    groups.addEventListener('click', (e) => {
      const b = e.target instanceof Element ? e.target.closest('button[data-group]') : null;
      if (!(b instanceof HTMLButtonElement)) return;
      this.view.group = b.dataset.group ?? ALL;
      onChange(this.view.bucket);
    });
    states.addEventListener('click', (e) => {
      const b = e.target instanceof Element ? e.target.closest('button[data-bucket]') : null;
      if (!(b instanceof HTMLButtonElement)) return;
      const bucket = /** @type {Bucket} */ (b.dataset.bucket);
      this.view.bucket = this.view.bucket === bucket ? null : bucket;
      onChange(this.view.bucket);
    });
  }

  /**
   * @param {EventState} state
   * @param {string} today
   * @param {string} lang
   */
  render(state, today, lang) {
    // A meeting without officials or topics has no follow-up to count: the
    // bar would only repeat the status tabs.
    const used = state.officials.length > 0 || state.topics.length > 0 || [...state.questions.values()].some((q) => q.authority);
    const root = this.groupsBox.parentElement;
    if (root) root.hidden = !used;
    if (!used && this.view.group === ALL && this.view.bucket === null) return;
    const counts = countGroups(state.questions.values(), state.officials, state.current, today);
    // An official removed from the event leaves no empty choice behind.
    if (!counts.has(this.view.group)) this.view.group = ALL;
    /** @type {Array<[string, string]>} */
    const groups = [[ALL, tr('off.all')], ...state.officials.map((o) => /** @type {[string, string]} */ ([o.id, o.name])),
      [OUTSIDE, tr('off.outside')], [UNASSIGNED, tr('off.unassigned')]];
    const gsig = JSON.stringify([lang, this.view.group, groups.map(([id]) => [id, counts.get(id)?.total]), groups]);
    if (this.groupsBox.dataset.signature !== gsig) {
      this.groupsBox.dataset.signature = gsig;
      const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.group : undefined;
      this.groupsBox.replaceChildren(...groups.map(([id, name]) => {
        const b = el('button', 'off-group');
        b.type = 'button';
        b.dataset.group = id;
        b.setAttribute('aria-pressed', String(this.view.group === id));
        b.append(el('span', 'off-name', name), el('span', 'count', String(counts.get(id)?.total ?? 0)));
        return b;
      }));
      const again = focused && this.groupsBox.querySelector(`[data-group="${CSS.escape(focused)}"]`);
      if (again instanceof HTMLElement) again.focus();
    }
    const c = counts.get(this.view.group);
    const ssig = JSON.stringify([lang, this.view.bucket, c]);
    if (this.statesBox.dataset.signature !== ssig) {
      this.statesBox.dataset.signature = ssig;
      const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.bucket : undefined;
      this.statesBox.replaceChildren(...BUCKETS.map((bucket) => {
        const b = el('button', `off-state off-${bucket}`);
        b.type = 'button';
        b.dataset.bucket = bucket;
        b.setAttribute('aria-pressed', String(this.view.bucket === bucket));
        const n = c?.[bucket] ?? 0;
        b.classList.toggle('zero', n === 0);
        b.append(el('span', 'off-label', tr(/** @type {Key} */ (`off.b.${bucket}`))), el('span', 'count', String(n)));
        return b;
      }));
      const again = focused && this.statesBox.querySelector(`[data-bucket="${focused}"]`);
      if (again instanceof HTMLElement) again.focus();
    }
  }

  /**
   * @param {Question} q
   * @param {EventState} state
   * @param {string} today
   */
  keep(q, state, today) {
    return inView(q, this.view, state.officials, state.current, today);
  }
}
