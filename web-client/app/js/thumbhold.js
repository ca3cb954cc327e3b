// The phone's list must not move under a thumb. While a finger is on the
// list (and a moment after), the order is frozen; counts still update in
// place. The new order then slides in (FLIP).

export class ThumbHold {
  /**
   * @param {HTMLElement[]} lists where a touch freezes the order
   * @param {() => void} render run when a hold runs out
   */
  constructor(lists, render) {
    this.until = 0;
    this.render = render;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    for (const list of lists) list.addEventListener('pointerdown', () => this.hold(Infinity));
    const release = () => { if (this.until === Infinity) { this.until = 0; this.hold(800); } };
    addEventListener('pointerup', release);
    addEventListener('pointercancel', release);
    addEventListener('scroll', () => { if (this.until !== Infinity) this.hold(400); }, { passive: true });
  }

  /** @param {number} ms how long to keep the order; Infinity until released */
  hold(ms) {
    this.until = ms === Infinity ? Infinity : Math.max(this.until === Infinity ? 0 : this.until, Date.now() + ms);
    clearTimeout(this.timer);
    if (this.until !== Infinity) this.timer = setTimeout(this.render, this.until - Date.now() + 10);
  }

  /** A new tab: nothing to keep. */
  reset() {
    this.until = 0;
  }

  /**
   * The items in the order `list` shows them now (new ones at the end),
   * while a hold lasts; else as given.
   * @template {{id: number}} T
   * @param {HTMLElement} list
   * @param {T[]} items
   * @returns {T[]}
   */
  order(list, items) {
    if (Date.now() >= this.until) return items;
    /** @type {Map<string, number>} */
    const at = new Map();
    [...list.children].forEach((node, i) => at.set(/** @type {HTMLElement} */ (node).dataset.id ?? '', i));
    const pos = (/** @type {T} */ q) => at.get(String(q.id)) ?? Infinity;
    return items.map((q, i) => ({ q, i })).sort((a, b) => pos(a.q) - pos(b.q) || a.i - b.i).map((x) => x.q);
  }
}
