// The "server cannot store data" banner of the panel: the server's log
// cannot write (a full or read-only disk). GET /healthz says so (503, a
// body starting with "unwritable"); it is asked every few seconds, and at
// once when a request is answered `unavailable`, so the chair learns why
// actions fail before trying a third time. A page that cannot reach the
// server at all leaves the banner as it was: the connection notice covers
// that case.

const EVERY_MS = 5000;

/**
 * Keeps `banner` shown exactly while the server reports it cannot write.
 * @param {HTMLElement} banner
 * @returns {() => void} asks now (e.g. after an `unavailable` answer)
 */
export function watchStorage(banner) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let asking = false;
  const ask = async () => {
    clearTimeout(timer);
    if (asking) return;
    asking = true;
    try {
      const res = await fetch('/healthz', { cache: 'no-store' });
      const body = await res.text();
      banner.hidden = !(res.status === 503 && body.startsWith('unwritable'));
    } catch {
      // Unreachable: the connection notice says so; keep what we knew.
    } finally {
      asking = false;
      timer = setTimeout(ask, EVERY_MS);
    }
  };
  ask();
  return () => { ask(); };
}
