// Small DOM helpers shared by the pages: typed lookups, element creation,
// the language switch, the delayed connection notice, keyed lists with FLIP
// animation. User text only ever goes through textContent.

import { isKey, pickLang, t } from './i18n.js';
import { KEYS, load, save } from './storage.js';

/** @typedef {import('./i18n.js').Lang} Lang */
/** @typedef {import('./i18n.js').Key} Key */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`);
  return node;
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text] set with textContent
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Sets text only when it changed: updates arrive several times a second,
 * and rewriting identical text would disturb a selection or a screen
 * reader's reading position for nothing.
 * @param {Node} node
 * @param {string} text
 */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/**
 * The first element of a <template>, cloned.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function fromTemplate(id) {
  const tpl = byId(id, HTMLTemplateElement);
  const node = tpl.content.firstElementChild?.cloneNode(true);
  if (!(node instanceof HTMLElement)) throw new Error(`template #${id} is empty`);
  return node;
}

/**
 * A descendant by class, typed.
 * @template {HTMLElement} T
 * @param {ParentNode} root
 * @param {string} selector
 * @param {new () => T} type
 * @returns {T}
 */
export function find(root, selector, type) {
  const node = root.querySelector(selector);
  if (!(node instanceof type)) throw new Error(`${selector} is missing or not a ${type.name}`);
  return node;
}

/** @type {Lang} */
let lang = pickLang(load(KEYS.lang));
/** @type {Array<(lang: Lang) => void>} */
const langListeners = [];

/** @returns {Lang} */
export function currentLang() {
  return lang;
}

/**
 * Shorthand for t() in the current language.
 * @param {Key} key
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function tr(key, params) {
  return t(lang, key, params);
}

/**
 * Static text lives in the HTML in Vietnamese, marked with data-i18n
 * (textContent), data-i18n-placeholder, -aria-label, -title, -alt.
 * @param {ParentNode} root
 */
export function translate(root = document) {
  /** @type {Array<[string, (node: HTMLElement, text: string) => void]>} */
  const kinds = [
    ['i18n', (n, s) => { n.textContent = s; }],
    ['i18nPlaceholder', (n, s) => n.setAttribute('placeholder', s)],
    ['i18nAriaLabel', (n, s) => n.setAttribute('aria-label', s)],
    ['i18nTitle', (n, s) => { n.title = s; }],
    ['i18nAlt', (n, s) => n.setAttribute('alt', s)],
  ];
  const nodes = root.querySelectorAll(
    '[data-i18n],[data-i18n-placeholder],[data-i18n-aria-label],[data-i18n-title],[data-i18n-alt]',
  );
  for (const node of nodes) {
    if (!(node instanceof HTMLElement)) continue;
    for (const [attr, apply] of kinds) {
      const key = node.dataset[attr];
      if (isKey(key)) apply(node, t(lang, key));
    }
  }
}

/**
 * Applies the remembered language, wires every .lang-switch button, and
 * calls `onChange` after each switch so pages re-render dynamic text.
 * @param {(lang: Lang) => void} [onChange]
 */
export function initLang(onChange) {
  if (onChange) langListeners.push(onChange);
  const apply = () => {
    document.documentElement.lang = lang;
    // The switch names the other language, in that language.
    for (const button of document.querySelectorAll('.lang-switch')) {
      if (button instanceof HTMLElement) button.lang = lang === 'vi' ? 'en' : 'vi';
    }
    translate();
    for (const fn of langListeners) fn(lang);
  };
  for (const button of document.querySelectorAll('.lang-switch')) {
    button.addEventListener('click', () => {
      lang = lang === 'vi' ? 'en' : 'vi';
      save(KEYS.lang, lang);
      apply();
    });
  }
  apply();
}

/**
 * Sets a node's text from a key and keeps it translated on switches.
 * @param {HTMLElement} node
 * @param {Key} key
 */
export function setKey(node, key) {
  node.dataset.i18n = key;
  node.textContent = tr(key);
}

/** How long a connection may be down before anyone is told. */
export const QUIET_MS = 2000;

/**
 * A notice that appears only when the connection has been down for a
 * while: a Wi-Fi hiccup of a second must not flash a banner at 300 people.
 * @param {HTMLElement} node
 * @returns {(status: import('./client.js').Status, hadState: boolean) => void}
 */
export function connectionNotice(node) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  node.hidden = true;
  return (status, hadState) => {
    if (status !== 'connecting') {
      clearTimeout(timer);
      timer = undefined;
      node.hidden = true;
      return;
    }
    if (timer !== undefined || !node.hidden) return;
    timer = setTimeout(() => {
      timer = undefined;
      setKey(node, hadState ? 'conn.reconnecting' : 'conn.connecting');
      node.hidden = false;
    }, QUIET_MS);
  };
}

const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

/**
 * Makes `container`'s children exactly `nodes`, in order, moving as few as
 * possible, and animates the moves (FLIP: measure First, change, measure
 * Last, Invert with a transform, Play back to none). Focus inside a moved
 * node is put back.
 * @param {HTMLElement} container
 * @param {HTMLElement[]} nodes
 * @param {{animate?: boolean}} [opt]
 */
export function placeChildren(container, nodes, opt = {}) {
  const animate = opt.animate !== false && nodes.length <= 300 && !reducedMotion();
  /** @type {Map<Element, number>} */
  const before = new Map();
  if (animate) {
    for (const child of container.children) before.set(child, child.getBoundingClientRect().top);
  }
  const focused = document.activeElement;
  const keep = new Set(nodes);
  for (const child of [...container.children]) if (!keep.has(/** @type {HTMLElement} */ (child))) child.remove();
  nodes.forEach((node, i) => {
    const at = container.children[i];
    if (at !== node) container.insertBefore(node, at ?? null);
  });
  if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) {
    focused.focus({ preventScroll: true });
  }
  if (!animate) return;
  for (const node of nodes) {
    const top = before.get(node);
    if (top === undefined) {
      node.animate([{ opacity: 0 }, { opacity: 1 }], { duration: 250, easing: 'ease-out' });
      continue;
    }
    const dy = top - node.getBoundingClientRect().top;
    if (Math.abs(dy) < 1) continue;
    node.animate([{ transform: `translateY(${dy}px)` }, { transform: 'none' }], {
      duration: 320,
      easing: 'cubic-bezier(0.2, 0.7, 0.2, 1)',
    });
  }
}

/**
 * Keeps one element per key, created once and updated in place: a text
 * field or a focused button inside an item survives every re-render.
 * @template T
 */
export class Keyed {
  /**
   * @param {(item: T) => HTMLElement} create
   * @param {(node: HTMLElement, item: T) => void} update
   */
  constructor(create, update) {
    this.create = create;
    this.update = update;
    /** @type {Map<number | string, HTMLElement>} */
    this.nodes = new Map();
  }

  /**
   * The nodes for `items`, in order; nodes of keys not listed are forgotten.
   * @param {T[]} items
   * @param {(item: T) => number | string} key
   * @returns {HTMLElement[]}
   */
  render(items, key) {
    /** @type {Map<number | string, HTMLElement>} */
    const next = new Map();
    const out = items.map((item) => {
      const k = key(item);
      let node = this.nodes.get(k);
      if (!node) node = this.create(item);
      this.update(node, item);
      next.set(k, node);
      return node;
    });
    this.nodes = next;
    return out;
  }
}

/**
 * A short-lived message in a polite live region.
 * @param {HTMLElement} node
 * @param {string} text
 * @param {'info' | 'error'} [kind]
 */
export function toast(node, text, kind = 'info') {
  node.textContent = text;
  node.classList.toggle('error', kind === 'error');
  node.hidden = false;
  clearTimeout(Number(node.dataset.timer));
  node.dataset.timer = String(setTimeout(() => { node.hidden = true; }, kind === 'error' ? 7000 : 4000));
}

/**
 * Shows the page-wide "cannot join" message (wrong link, unknown event).
 * @param {string} code
 */
export function showRefused(code) {
  const box = document.getElementById('refused');
  const msg = document.getElementById('refused-msg');
  if (!box || !msg) return;
  const key = `refused.${code}`;
  setKey(msg, isKey(key) ? key : 'refused.unknown_event');
  box.hidden = false;
  for (const node of document.querySelectorAll('.needs-event')) {
    if (node instanceof HTMLElement) node.hidden = true;
  }
}

/**
 * `fn`, run at most once per displayed frame however often it is asked
 * for: deltas may come faster than a phone repaints (a vote every few
 * milliseconds in a busy hall), and rendering more often only spends its
 * battery. In a background tab it runs when the tab is shown again.
 * @param {() => void} fn
 * @returns {() => void}
 */
export function perFrame(fn) {
  let asked = false;
  return () => {
    if (asked) return;
    asked = true;
    requestAnimationFrame(() => {
      asked = false;
      fn();
    });
  };
}
