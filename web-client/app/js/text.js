// Pure text helpers shared by every page: character counting as the server
// counts, diacritics-insensitive search, join-code normalisation.
// No DOM here, so node --test can import it.

/**
 * Characters as the server counts them: Unicode scalar values after NFC.
 * A Vietnamese letter like "ế" may arrive as 1–3 code points depending on
 * the keyboard; after NFC it is one, and it is one to the person typing.
 * @param {string} text
 * @returns {number}
 */
export function charCount(text) {
  return [...text.normalize('NFC')].length;
}

/**
 * The text as it should travel: NFC (so the moderator sees the same string
 * whatever keyboard produced it), CRLF as LF, trimmed.
 * @param {string} text
 * @returns {string}
 */
export function cleanText(text) {
  return text.replace(/\r\n?/g, '\n').normalize('NFC').trim();
}

/**
 * Folds text for search: lower case, no diacritics, đ → d, so that
 * "danh gia" finds "đánh giá" (many officials type without diacritics on a
 * laptop without a Vietnamese keyboard).
 * @param {string} text
 * @returns {string}
 */
export function fold(text) {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/đ/g, 'd')
    .replace(/\s+/g, ' ');
}

/**
 * Does folded `haystack` contain every word of `query`? Word order is free:
 * "xep loai can bo" and "can bo xep loai" both find the question.
 * @param {string} foldedHaystack already passed through fold()
 * @param {string} query raw user input
 * @returns {boolean}
 */
export function matches(foldedHaystack, query) {
  const words = fold(query).split(' ').filter(Boolean);
  return words.every((w) => foldedHaystack.includes(w));
}

/**
 * Join codes are read aloud and typed on phones: accept lower case, spaces
 * and dashes, as the server does.
 * @param {string} code
 * @returns {string}
 */
export function normalizeCode(code) {
  return code.replace(/[\s-]+/g, '').toUpperCase();
}

/**
 * A plausible join code (letters and digits). The server has the final word;
 * this only stops obviously wrong input before navigating.
 * @param {string} code normalised
 * @returns {boolean}
 */
export function looksLikeCode(code) {
  return /^[A-Z0-9]{4,16}$/.test(code);
}

/**
 * The attendee link to show and share: the server's (from `welcome`; it is
 * the address phones in the hall use, which may not be the one this laptop
 * used to open the page), else this page's own origin.
 * @param {string | null} joinUrl
 * @param {string} origin e.g. location.origin
 * @param {string} code
 * @returns {string}
 */
export function attendeeLink(joinUrl, origin, code) {
  return joinUrl || `${origin}/j/${code}`;
}

/**
 * A link as people read it off a screen and type it: without the scheme.
 * @param {string} url
 * @returns {string}
 */
export function shortLink(url) {
  return url.replace(/^https?:\/\//i, '');
}
