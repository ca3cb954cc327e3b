// The moderator and screen secrets arrive in the link's fragment. An
// address bar is projected to the hall and kept in history, so the pages
// move the secret into this tab's sessionStorage at once and take it out of
// the address: reloading the tab keeps working, another tab needs the link.

/** @typedef {'moderator' | 'screen' | 'official'} SecretRole */

/**
 * @param {SecretRole} role
 * @param {string} code
 */
const keyOf = (role, code) => `hoidap.secret.${role}.${code}`;

/**
 * The secret for this page: from the fragment (then stored and removed from
 * the address), else the one this tab stored earlier, else ''.
 * @param {SecretRole} role
 * @param {string} code
 * @returns {string}
 */
export function takeSecret(role, code) {
  // Pasting another link into this tab changes only the fragment, which
  // does not reload the page: reload, so it is taken like the first one.
  addEventListener('hashchange', () => { if (location.hash.length > 1) location.reload(); });
  const fromLink = fragment();
  if (fromLink) {
    store(keyOf(role, code), fromLink);
    // Cleared even if it could not be stored: a reload then asks for the
    // link again, which beats showing the secret to the hall.
    history.replaceState(history.state, '', location.pathname + location.search);
    return fromLink;
  }
  try {
    return sessionStorage.getItem(keyOf(role, code)) ?? '';
  } catch {
    return '';
  }
}

/**
 * Forgets a secret the server refused, so a reload says the link is needed.
 * @param {SecretRole} role
 * @param {string} code
 */
export function forgetSecret(role, code) {
  store(keyOf(role, code), null);
}

function fragment() {
  const raw = location.hash.slice(1);
  try {
    return decodeURIComponent(raw);
  } catch {
    // A mangled escape: the server will refuse it and say so.
    return raw;
  }
}

/**
 * @param {string} key
 * @param {string | null} value null removes
 */
function store(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // Storage refused (a locked-down browser): the secret lives only in memory.
  }
}
