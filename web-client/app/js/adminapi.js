// The organiser console's side of the admin HTTP API (docs/protocol.md,
// "HTTP"). The admin token is asked for once per tab and kept in that
// tab's sessionStorage: never in a URL (addresses end up in history,
// proxies' logs and projected address bars), never in localStorage (it
// would outlive the tab on a shared laptop).

const TOKEN_KEY = 'hoidap.admin.token';

/** @type {string} used when sessionStorage is refused */
let memoryToken = '';

/** @returns {string} */
export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? memoryToken;
  } catch {
    return memoryToken;
  }
}

/** @param {string | null} token null forgets it */
export function setToken(token) {
  memoryToken = token ?? '';
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Kept in memory only: a reload asks again.
  }
}

/** An answer other than 2xx, or no answer at all. */
export class ApiError extends Error {
  /**
   * @param {number} status 0 when the server could not be reached
   * @param {string} code the API's error code; `network` or
   *   `not_supported` (a route this server does not have) when none came
   * @param {string} message
   * @param {any} [body] the whole JSON answer (roster errors carry more)
   */
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** @type {() => void} */
let unauthorized = () => {};

/**
 * What to do when the server refuses the token (it changed, or was
 * mistyped): the console goes back to its login form.
 * @param {() => void} fn
 */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

/**
 * One admin request.
 * @param {string} method
 * @param {string} path
 * @param {{json?: unknown, body?: BodyInit, type?: string, token?: string}} [opt]
 *   `json` is sent as JSON; `body` as it is, with `type` as Content-Type
 * @returns {Promise<any>} the parsed JSON answer (null when empty)
 */
export async function api(method, path, opt = {}) {
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${opt.token ?? getToken()}` };
  /** @type {BodyInit | undefined} */
  let body = opt.body;
  if (opt.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opt.json);
  } else if (opt.type) {
    headers['content-type'] = opt.type;
  }
  /** @type {Response} */
  let res;
  try {
    res = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  } catch (err) {
    throw new ApiError(0, 'network', String(err));
  }
  const text = await res.text();
  /** @type {any} */
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = undefined;
  }
  if (res.ok) return parsed;
  const error = parsed?.error;
  if (error && typeof error.code === 'string') {
    if (res.status === 401 && opt.token === undefined) unauthorized();
    throw new ApiError(res.status, error.code, String(error.message ?? ''), parsed);
  }
  // No JSON error: the route itself is missing (an older server) or the
  // method is not allowed there.
  const code = res.status === 404 || res.status === 405 ? 'not_supported' : 'http';
  throw new ApiError(res.status, code, `${res.status} ${res.statusText}`);
}

/**
 * Checks a token without keeping it: what the login form does.
 * @param {string} token
 * @returns {Promise<boolean>} false when the server refuses it
 */
export async function tokenWorks(token) {
  try {
    await api('GET', '/api/events', { token });
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return false;
    throw err;
  }
}

/** @param {string} code */
export const eventPath = (code) => `/api/events/${encodeURIComponent(code)}`;
