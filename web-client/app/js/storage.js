// localStorage that never throws: private browsing modes and full quotas
// raise on access, and losing a remembered name must not break the page.

/**
 * @param {string} key
 * @returns {string | null}
 */
export function load(key) {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/**
 * @param {string} key
 * @param {string | null} value null removes
 * @returns {boolean} whether it was stored
 */
export function save(key, value) {
  try {
    const storage = globalThis.localStorage;
    if (!storage) return false;
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
    return true;
  } catch {
    // The value simply is not remembered; callers that must not lose it
    // (the outbox) keep it in memory instead.
    return false;
  }
}

/** Keys, in one place so pages agree. */
export const KEYS = {
  lang: 'hoidap.lang',
  name: 'hoidap.name',
  unit: 'hoidap.unit',
  /** Who may see the asker's name, as last chosen. */
  identity: 'hoidap.identity',
  /** @param {string} code */
  participant: (code) => `hoidap.participant.${code}`,
  /** The question being typed, kept across reloads. @param {string} code */
  draft: (code) => `hoidap.draft.${code}`,
};
