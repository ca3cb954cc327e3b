// The panel's list holds still while the moderator is about to act on it
// (issue 13): under a live vote the ranked order changed faster than a
// person aims and clicks, and 7 of 10 clicks at "Chọn trả lời" missed (4 put
// another question on the screen). While the pointer is over the list, or
// keyboard focus is in it, the ORDER shown is kept; counts and texts still
// update in place. New questions join at the end. A question that leaves
// the list (another moderator hid it, say) stays as a dimmed, inert
// placeholder, so nothing below it moves up; one this panel acted on leaves
// at once (the moderator expects that, and "a a a" approves down the list).
// A cue says how many changes wait; they apply on the cue's button, the key
// `u`, or 600 ms after the pointer and focus have left. A view the
// moderator changes (filter, search, official) is a new list: nothing kept.
// Only the mouse and the keyboard hold: a button clicked keeps the focus,
// which alone does not. This is the
// phone's ThumbHold (thumbhold.js) for a mouse and a keyboard.

import { setText, tr } from './dom.js';

/** After leaving the list: long enough to cross a gap between items and come back. */
export const GRACE_MS = 600;

/**
 * The fewest items to move to turn `shown` into `wanted` (both orders of
 * the same ids): all but the longest run already in the wanted order.
 * @param {number[]} shown
 * @param {number[]} wanted
 */
export function movesBetween(shown, wanted) {
  const rank = new Map(wanted.map((id, i) => [id, i]));
  /** @type {number[]} smallest tail of an increasing run of each length */
  const tails = [];
  for (const id of shown) {
    const r = rank.get(id);
    if (r === undefined) continue;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid] < r) lo = mid + 1; else hi = mid;
    }
    tails[lo] = r;
  }
  return rank.size - tails.length;
}

export class PanelHold {
  /**
   * @param {HTMLElement} zone the list (and its cue): pointer or focus in it holds
   * @param {HTMLElement} list whose children carry `data-id`
   * @param {HTMLElement} cue the "order paused" line, with a button
   * @param {() => void} render
   */
  constructor(zone, list, cue, render) {
    this.list = list;
    this.cue = cue;
    this.render = render;
    this.pointer = false;
    this.focus = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    /** The ids in the order shown while holding; null when not holding. @type {number[] | null} */
    this.ids = null;
    /** Placeholders for questions that left the list. @type {Set<number>} */
    this.gone = new Set();
    /** Questions this panel acted on: they may leave at once. @type {Set<number>} */
    this.acted = new Set();
    zone.addEventListener('pointerenter', () => { this.pointer = true; this.start(); });
    zone.addEventListener('pointerleave', () => { this.pointer = false; this.later(); });
    // Only keyboard focus holds: a clicked button keeps the focus, and the
    // list would otherwise stay frozen after the mouse has gone.
    let keyboard = false;
    addEventListener('pointerdown', () => { keyboard = false; }, true);
    // j/k and Tab move the focus, so a focusin follows the key.
    addEventListener('keydown', () => { keyboard = true; }, true);
    zone.addEventListener('focusin', () => {
      this.focus = keyboard;
      if (this.focus) this.start();
    });
    zone.addEventListener('focusout', (e) => {
      if (e.relatedTarget instanceof Node && zone.contains(e.relatedTarget)) return;
      this.focus = false;
      this.later();
    });
    const button = cue.querySelector('button');
    button?.addEventListener('click', () => this.apply());
  }

  get holding() {
    return this.pointer || this.focus || this.timer !== undefined;
  }

  start() {
    clearTimeout(this.timer);
    this.timer = undefined;
    // The order on the screen now is the one kept, not the next render's.
    this.ids ??= [...this.list.children].map((node) => Number(/** @type {HTMLElement} */ (node).dataset.id));
    // A slide already under way would end elsewhere than where the person aims.
    for (const a of this.list.getAnimations({ subtree: true })) a.finish();
  }

  later() {
    if (this.pointer || this.focus) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; this.apply(); }, GRACE_MS);
  }

  /** Shows the waiting order now (the hold goes on while the pointer stays). */
  apply() {
    this.ids = null;
    this.gone.clear();
    this.render();
  }

  /** A new filter or search: a different list, nothing to keep. */
  reset() {
    this.ids = null;
    this.gone.clear();
  }

  /** @param {number} id a question this panel just acted on */
  mine(id) {
    this.acted.add(id);
    setTimeout(() => this.acted.delete(id), 5000);
  }

  /**
   * The items in the order to show: as given when not holding, else as
   * shown, with new ones at the end and placeholders for those gone.
   * @template {{id: number}} T
   * @param {T[]} items the list's order now
   * @param {Map<number, T>} all every question, for the placeholders
   * @returns {T[]}
   */
  order(items, all) {
    if (!this.holding || this.ids === null) {
      this.ids = this.holding ? items.map((q) => q.id) : null;
      this.gone.clear();
      this.show(0);
      return items;
    }
    const byId = new Map(items.map((q) => [q.id, q]));
    /** @type {T[]} */
    const out = [];
    this.gone.clear();
    for (const id of this.ids) {
      const q = byId.get(id);
      if (q) { out.push(q); byId.delete(id); continue; }
      const left = all.get(id);
      if (left && !this.acted.has(id)) { out.push(left); this.gone.add(id); }
    }
    out.push(...byId.values());
    this.ids = out.map((q) => q.id);
    const live = items.map((q) => q.id);
    this.show(movesBetween(this.ids.filter((id) => !this.gone.has(id)), live) + this.gone.size);
    return out;
  }

  /** Marks the placeholders (after the list is placed). @param {Map<number | string, HTMLElement>} nodes */
  paint(nodes) {
    for (const [id, node] of nodes) {
      const gone = this.gone.has(Number(id));
      node.classList.toggle('gone', gone);
      node.inert = gone;
    }
  }

  /** @param {number} n changes waiting */
  show(n) {
    this.cue.classList.toggle('on', n > 0);
    const text = this.cue.querySelector('.hold-text');
    if (text instanceof HTMLElement && n > 0) setText(text, tr(n === 1 ? 'mod.hold.one' : 'mod.hold.other', { n }));
  }
}
