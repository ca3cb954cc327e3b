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
 */
export function save(key, value) {
  try {
    if (value === null) globalThis.localStorage?.removeItem(key);
    else globalThis.localStorage?.setItem(key, value);
  } catch {
    // Nothing to do: the value simply is not remembered.
  }
}

/** Keys, in one place so pages agree. */
export const KEYS = {
  lang: 'hoidap.lang',
  name: 'hoidap.name',
  unit: 'hoidap.unit',
  /** @param {string} code */
  participant: (code) => `hoidap.participant.${code}`,
};
