// What the organiser prints: the hall's A4 poster (title, a big QR code,
// the join code, short instructions) and the delegates' cards, 8 to an A4
// page, each with the delegate's personal QR code and typed code. Both are
// in Vietnamese whatever the console's language: they are for the hall.
// The page's print stylesheet (admin.css, @media print) shows only these.

import { byId, el } from './dom.js';
import { t } from './i18n.js';
import { chunk, qrPath } from './adminfmt.js';

/** @typedef {import('./adminevents.js').AdminEvent} AdminEvent */
/** @typedef {import('./i18n.js').Key} Key */

/**
 * A delegate as `GET /api/events/CODE/roster` lists them.
 * @typedef {{id: string, name: string, unit: string | null, position: string | null,
 *   code: string, link: string, qr: {size: number, bits: string},
 *   claimed: boolean, present: number}} Delegate
 */

export const CARDS_PER_PAGE = 8;

/** @param {Key} key @param {Record<string, string | number>} [params] */
const vi = (key, params) => t('vi', key, params);

/**
 * Where people type the join code: the attendee link without its path.
 * @param {string} link
 */
export function siteOf(link) {
  try {
    return new URL(link).host;
  } catch {
    return link;
  }
}

/**
 * Fills the poster for `ev`.
 * @param {AdminEvent} ev
 */
export function renderPoster(ev) {
  const poster = byId('poster', HTMLElement);
  const qr = el('img', 'poster-qr');
  qr.src = `/qr/${encodeURIComponent(ev.join_code)}.svg`;
  qr.alt = vi('scr.qr_alt');
  qr.width = 600;
  qr.height = 600;
  const code = el('p', 'poster-code');
  code.append(el('span', 'poster-code-label', vi('scr.code')), el('strong', 'mono', ev.join_code));
  const steps = el('ol', 'poster-steps');
  const keys = /** @type {Key[]} */ (['adm.poster.step1', 'adm.poster.step2', 'adm.poster.step3']);
  for (const key of keys) {
    steps.append(el('li', '', vi(key, { site: siteOf(ev.links.attendee), code: ev.join_code })));
  }
  if (ev.settings?.roster) steps.append(el('li', '', vi('adm.poster.roster')));
  poster.replaceChildren(
    el('p', 'poster-kicker', vi('adm.poster.kicker')),
    el('h1', 'poster-title', ev.title),
    qr,
    code,
    steps,
    el('p', 'poster-foot', vi('adm.poster.foot')),
  );
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * A QR code as an inline SVG, drawn from the server's module matrix with
 * the 4-module quiet zone scanners need.
 * @param {{size: number, bits: string}} qr
 * @param {string} label
 * @returns {SVGSVGElement}
 */
export function qrSvg(qr, label) {
  const side = qr.size + 8;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${side} ${side}`);
  svg.setAttribute('class', 'card-qr');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  const bg = document.createElementNS(SVG, 'rect');
  bg.setAttribute('width', String(side));
  bg.setAttribute('height', String(side));
  bg.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', qrPath(qr.bits, qr.size, 4));
  path.setAttribute('fill', '#000');
  svg.append(bg, path);
  return svg;
}

/**
 * One delegate's card.
 * @param {AdminEvent} ev
 * @param {Delegate} d
 * @returns {HTMLElement}
 */
function card(ev, d) {
  const node = el('article', 'dcard');
  node.dataset.id = d.id;
  const text = el('div', 'dcard-text');
  text.append(el('p', 'dcard-event', ev.title), el('h2', 'dcard-name', d.name));
  if (d.position) text.append(el('p', 'dcard-position', d.position));
  if (d.unit) text.append(el('p', 'dcard-unit', d.unit));
  const code = el('p', 'dcard-code');
  code.append(el('span', 'dcard-code-label', vi('adm.card.code')), el('strong', 'mono', d.code));
  text.append(code, el('p', 'dcard-help', vi('adm.card.help', { site: siteOf(ev.links.attendee), join: ev.join_code })));
  node.append(text, qrSvg(d.qr, vi('adm.card.qr', { name: d.name })));
  return node;
}

/**
 * Every delegate's card, grouped in A4 sheets of 8 (2 × 4).
 * @param {AdminEvent} ev
 * @param {Delegate[]} delegates
 */
export function renderCards(ev, delegates) {
  const sheets = chunk(delegates, CARDS_PER_PAGE).map((group) => {
    const sheet = el('section', 'cards-sheet sheet');
    sheet.append(...group.map((d) => card(ev, d)));
    return sheet;
  });
  byId('cards', HTMLElement).replaceChildren(...sheets);
  return sheets.length;
}
