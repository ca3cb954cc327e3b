// Pure helpers of the organiser console: what an API error or a bad roster
// row says to a person, the QR code of a delegate's card as SVG path data,
// cards grouped into printed pages. No DOM, unit-tested.

import './admin-i18n.js';
import { t } from './i18n.js';

/** @typedef {import('./i18n.js').Lang} Lang */
/** @typedef {import('./i18n.js').Key} Key */

/**
 * A roster row the server refused (POST /api/events/CODE/roster, 422).
 * @typedef {{line: number, code: string, message?: string, field?: string,
 *   len?: number, max?: number, code_point?: string | number, first_line?: number, id?: string}} RowError
 */

const FIELD_KEYS = /** @type {const} */ ({
  name: 'adm.field.name',
  unit: 'adm.field.unit',
  position: 'adm.field.position',
});

/**
 * @param {Lang} lang
 * @param {string | undefined} field
 */
function fieldText(lang, field) {
  const key = /** @type {Record<string, Key>} */ (FIELD_KEYS)[field ?? ''];
  return key ? t(lang, key) : (field ?? '');
}

/**
 * A code point as people can look it up: U+200B, or the character itself
 * when it is visible.
 * @param {string | number | undefined} cp
 */
function codePointText(cp) {
  if (typeof cp === 'number') return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  if (typeof cp === 'string' && /^U\+/i.test(cp)) return cp.toUpperCase();
  if (typeof cp === 'string' && cp) {
    const n = cp.codePointAt(0) ?? 0;
    return `U+${n.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return '?';
}

/**
 * One bad row, in the organiser's language, without its line number (the
 * list shows that in its own column).
 * @param {Lang} lang
 * @param {RowError} err
 * @returns {string}
 */
export function rowErrorText(lang, err) {
  switch (err.code) {
    case 'empty_name':
      return t(lang, 'adm.row.empty_name');
    case 'too_long':
      return t(lang, 'adm.row.too_long', { field: fieldText(lang, err.field), len: err.len ?? '?', max: err.max ?? '?' });
    case 'invalid_characters':
      return t(lang, 'adm.row.invalid_characters', { field: fieldText(lang, err.field), cp: codePointText(err.code_point) });
    case 'duplicate':
      return t(lang, 'adm.row.duplicate', { first: err.first_line ?? '?' });
    case 'on_roster':
      return t(lang, 'adm.row.on_roster');
    default:
      // A reason this console does not know yet: the server's own words.
      return err.message || t(lang, 'err.generic');
  }
}

const PROBLEM_KEYS = /** @type {const} */ ({
  format: 'adm.problem.format',
  not_utf8: 'adm.problem.not_utf8',
  no_name_column: 'adm.problem.no_name_column',
  empty: 'adm.problem.empty',
  too_many: 'adm.problem.too_many',
  too_large: 'adm.problem.too_large',
  rows: 'adm.problem.rows',
});

/**
 * Why a whole roster file was refused.
 * @param {Lang} lang
 * @param {string | undefined} problem
 * @param {string} [message] the server's words, for a problem not known here
 * @returns {string}
 */
export function problemText(lang, problem, message) {
  const key = /** @type {Record<string, Key>} */ (PROBLEM_KEYS)[problem ?? ''];
  if (key) return t(lang, key);
  return message || t(lang, 'err.generic');
}

const API_KEYS = /** @type {const} */ ({
  network: 'adm.err.network',
  not_supported: 'adm.err.not_supported',
  unauthorized: 'adm.err.unauthorized',
  invalid_title: 'adm.err.invalid_title',
  invalid_setting: 'adm.err.invalid_setting',
  invalid_name: 'adm.err.invalid_name',
  invalid_role: 'adm.err.invalid_role',
  unknown_event: 'adm.err.unknown_event',
  unknown_staff: 'adm.err.unknown_staff',
  unknown_delegate: 'adm.err.unknown_delegate',
  unavailable: 'err.unavailable',
});

/**
 * An admin API error for a person.
 * @param {Lang} lang
 * @param {{code: string, message?: string}} err
 * @returns {string}
 */
export function apiErrorText(lang, err) {
  const key = /** @type {Record<string, Key>} */ (API_KEYS)[err.code];
  if (key) return t(lang, key);
  return err.message ? `${t(lang, 'err.generic')} (${err.message})` : t(lang, 'err.generic');
}

/**
 * The dark modules of a QR code as one SVG path, one unit per module,
 * shifted by `margin` modules of quiet zone (scanners need 4).
 * Consecutive dark modules of a row become one rectangle.
 * @param {string} bits row-major, '1' dark, size × size characters
 * @param {number} size
 * @param {number} [margin]
 * @returns {string} the path's `d`
 */
export function qrPath(bits, size, margin = 4) {
  if (bits.length !== size * size) throw new Error(`QR bits: ${bits.length} for size ${size}`);
  const parts = [];
  for (let y = 0; y < size; y++) {
    let x = 0;
    while (x < size) {
      if (bits[y * size + x] !== '1') { x++; continue; }
      const start = x;
      while (x < size && bits[y * size + x] === '1') x++;
      parts.push(`M${start + margin} ${y + margin}h${x - start}v1h${start - x}z`);
    }
  }
  return parts.join('');
}

/**
 * Items in groups of `n`: the delegates' cards, 8 to an A4 page.
 * @template T
 * @param {T[]} items
 * @param {number} n
 * @returns {T[][]}
 */
export function chunk(items, n) {
  const out = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

/**
 * The Content-Type to send a roster file with: XLSX by its name, else CSV
 * (the server also sniffs XLSX by its "PK" bytes).
 * @param {string} fileName
 * @returns {string}
 */
export function rosterType(fileName) {
  return /\.xlsx$/i.test(fileName)
    ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    : 'text/csv';
}

/**
 * "3 phút trước": how long ago, coarse, for the events list.
 * @param {Lang} lang
 * @param {number} then ms since the epoch
 * @param {number} now
 * @returns {string}
 */
export function ago(lang, then, now) {
  const min = Math.max(0, Math.round((now - then) / 60_000));
  if (min < 1) return t(lang, 'adm.ago.now');
  if (min < 60) return t(lang, 'adm.ago.min', { n: min });
  const h = Math.round(min / 60);
  if (h < 48) return t(lang, 'adm.ago.hour', { n: h });
  return t(lang, 'adm.ago.day', { n: Math.round(h / 24) });
}

/**
 * Where the console is, from the address's fragment: `#/`, `#/new`,
 * `#/e/CODE`, `#/e/CODE/edit|staff|roster|poster|cards`. The fragment
 * never holds a secret: the token stays in sessionStorage.
 * @typedef {{view: 'events'} | {view: 'new'} |
 *   {view: 'event', code: string, part: 'info' | 'edit' | 'staff' | 'roster' | 'poster' | 'cards'}} Route
 * @param {string} hash
 * @returns {Route}
 */
export function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'new' && parts.length === 1) return { view: 'new' };
  if (parts[0] === 'e' && parts[1] && /^[A-Za-z0-9]{1,20}$/.test(parts[1])) {
    const code = parts[1].toUpperCase();
    const part = parts[2] ?? 'info';
    if (['info', 'edit', 'staff', 'roster', 'poster', 'cards'].includes(part) && parts.length <= 3) {
      return { view: 'event', code, part: /** @type {any} */ (part) };
    }
  }
  return { view: 'events' };
}

/**
 * @param {string} code
 * @param {string} [part]
 */
export const eventHref = (code, part) => `#/e/${code}${part && part !== 'info' ? `/${part}` : ''}`;
