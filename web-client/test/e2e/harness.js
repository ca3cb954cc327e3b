// Shared set-up for the browser tests: the real server binary on a free
// port with a fresh data directory, an event made through the admin API,
// and Debian's Chromium driven by playwright-core.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const artifactsDir = process.env.ARTIFACTS_DIR
  ? resolve(process.env.ARTIFACTS_DIR)
  : join(repoRoot, 'test-artifacts');
export const screenshotsDir = join(artifactsDir, 'screenshots');

/** @returns {Promise<number>} a port nothing listens on right now */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => ok(port));
    });
  });
}

/** Builds the server unless HOIDAP_BIN points at one already built. */
function serverBinary() {
  if (process.env.HOIDAP_BIN) return process.env.HOIDAP_BIN;
  const built = spawnSync('cargo', ['build', '-q', '-p', 'hoidap-server'], { cwd: repoRoot, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('cargo build -p hoidap-server failed');
  const target = process.env.CARGO_TARGET_DIR ? resolve(repoRoot, process.env.CARGO_TARGET_DIR) : join(repoRoot, 'target');
  return join(target, 'debug', 'hoidap');
}

/**
 * Starts `hoidap serve` and waits until /healthz answers. `restart` stops
 * it and starts it again on the same port and data directory, as an
 * operator restarting the hall's server would.
 * @param {{publicUrl?: string, data?: string}} [opt] the address the server
 *   tells people to use (`--public-url`), by default the one the tests use;
 *   the data directory, by default a fresh temporary one (removed by `stop`)
 * @returns {Promise<{url: string, adminToken: string, stop: () => Promise<void>,
 *   kill: () => Promise<void>, start: () => Promise<void>, log: () => string}>}
 */
export async function startServer(opt = {}) {
  const bin = serverBinary();
  const port = await freePort();
  const data = opt.data ?? mkdtempSync(join(tmpdir(), 'hoidap-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  const publicUrl = opt.publicUrl ?? url;
  let output = '';
  /** @type {import('node:child_process').ChildProcess | null} */
  let child = null;
  /** @type {Promise<unknown>} */
  let exited = Promise.resolve();

  async function start() {
    const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data', data, '--public-url', publicUrl, '--no-demo'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    });
    child = proc;
    proc.stdout?.on('data', (d) => { output += d; });
    proc.stderr?.on('data', (d) => { output += d; });
    exited = new Promise((ok) => proc.on('exit', ok));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`server exited early:\n${output}`);
      try {
        const res = await fetch(`${url}/healthz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`server did not become healthy:\n${output}`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }

  /** Stops the server (SIGTERM: it closes sockets with the restart code). */
  async function kill() {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  const adminToken = readFileSync(join(data, 'admin-token'), 'utf8').trim();
  return {
    url,
    adminToken,
    log: () => output,
    start,
    kill,
    async stop() {
      await kill();
      if (!opt.data) rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * @param {{url: string, adminToken: string}} server
 * @param {object} body
 * @returns {Promise<{join_code: string, moderator_secret: string, screen_secret: string,
 *   links: {attendee: string, moderator: string, screen: string}}>}
 */
export async function createEvent(server, body) {
  const res = await fetch(`${server.url}/api/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`create event: ${res.status} ${await res.text()}`);
  return res.json();
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export const VIEWPORTS = {
  phone: { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  laptop: { viewport: { width: 1366, height: 768 } },
  hd: { viewport: { width: 1920, height: 1080 } },
};

/**
 * Records what a page does wrong: console errors, uncaught exceptions,
 * dialogs (an alert() would mean injected script ran).
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export function watch(page, name) {
  const problems = /** @type {string[]} */ ([]);
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${name} console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${name} page error: ${err.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`${name} dialog (${dialog.type()}): ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  return problems;
}

export function ensureScreenshotsDir() {
  mkdirSync(screenshotsDir, { recursive: true });
  return screenshotsDir;
}

/**
 * Whether `err` is Playwright's strict-mode violation: a locator meant to
 * name one element matched several.
 * @param {unknown} err
 * @returns {boolean}
 */
export function isStrictModeViolation(err) {
  return err instanceof Error && /strict mode violation/.test(err.message);
}

/**
 * Retries `check` until it stops throwing or `timeout` ms pass; the last
 * failure is rethrown. For assertions on pages that update by themselves.
 *
 * A strict-mode violation is not retried: it means the page shows several
 * elements where the test expects one (the same question twice in a list).
 * The lists are keyed and have no exit animations, so that is never a
 * passing state on the way to the right one; it is a bug, reported at once
 * rather than waited out until the timeout.
 * @template T
 * @param {() => Promise<T> | T} check
 * @param {number} [timeout]
 * @returns {Promise<T>}
 */
export async function eventually(check, timeout = 5_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (isStrictModeViolation(err) || Date.now() > deadline) throw err;
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }
}

/**
 * Text of every element matching `selector`, in document order.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @returns {Promise<string[]>}
 */
export function texts(page, selector) {
  return page.locator(selector).evaluateAll((nodes) => nodes.map((n) => n.textContent ?? ''));
}

/**
 * An attendee asks through the form, as a person would.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 * @param {{type?: boolean, name?: string, unit?: string, anonymous?: boolean,
 *   identity?: import('../../app/js/protocol').Identity}} [opt] `anonymous`: hidden from the hall
 */
export async function ask(page, text, opt = {}) {
  if (await page.locator('#ask').isHidden()) await page.click('#ask-open');
  const box = page.locator('#ask-text');
  if (opt.type) await box.pressSequentially(text);
  else await box.fill(text);
  // Who sees the name is chosen explicitly, as a person must (nothing is
  // preselected when the event offers a choice).
  const level = opt.identity ?? (opt.anonymous ? 'hidden_from_hall' : 'named');
  const radio = page.locator(`#identity-${level}`);
  if (await radio.isVisible()) await radio.check();
  if (opt.name !== undefined) await page.fill('#ask-name', opt.name);
  if (opt.unit !== undefined) await page.fill('#ask-unit', opt.unit);
  await page.click('#ask-submit');
  await page.locator('#ask').waitFor({ state: 'hidden' });
}

/**
 * The moderator approves the pending question with this text.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 */
export async function approve(page, text) {
  await page.click('#f-pending');
  const item = page.locator('#list li.mq').filter({ has: page.locator('.q-text', { hasText: text.slice(0, 40) }) });
  await item.locator('[data-action="approve"]').click();
  await item.waitFor({ state: 'detached' });
}

/**
 * What the server holds, as a moderator sees it: a moderator WebSocket
 * opened from a blank page of the server's origin (Node 20 has no
 * WebSocket), the snapshot it receives after the hello.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} serverUrl
 * @param {{join_code: string, moderator_secret: string}} event
 * @returns {Promise<import('../../app/js/protocol').Snapshot>}
 */
export async function moderatorSnapshot(context, serverUrl, event) {
  const page = await context.newPage();
  try {
    await page.goto(`${serverUrl}/healthz`);
    return await page.evaluate(({ code, secret }) => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', protocol: 1, join_code: code, role: 'moderator', secret }));
      ws.onmessage = (ev) => {
        const msg = JSON.parse(String(ev.data));
        if (msg.type === 'snapshot') {
          ws.close();
          resolve(msg.snapshot);
        }
      };
      ws.onclose = (ev) => reject(new Error(`closed ${ev.code}`));
      setTimeout(() => reject(new Error('no snapshot')), 5000);
    }), { code: event.join_code, secret: event.moderator_secret });
  } finally {
    await page.close();
  }
}

/**
 * A tab of the organiser console, logged in with the admin token.
 * @param {import('playwright-core').BrowserContext} context
 * @param {{url: string, adminToken: string}} server
 */
export async function adminLogin(context, server) {
  const page = await context.newPage();
  await page.goto(`${server.url}/admin`);
  await page.locator('#token').fill(server.adminToken);
  await page.locator('#token').press('Enter');
  await page.locator('#events-heading').waitFor();
  return page;
}

/**
 * How many pages a PDF that Chromium printed has.
 * @param {Buffer} pdf
 */
export function pdfPages(pdf) {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
}

/**
 * An admin API call on `server`; `body` is sent as JSON, or as it is when
 * it is a string (a roster file).
 * @param {{url: string, adminToken: string}} server
 * @param {string} method
 * @param {string} path
 * @param {object | string} [body]
 * @returns {Promise<{status: number, json: any}>}
 */
export async function adminCall(server, method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${server.adminToken}` };
  if (body !== undefined && typeof body !== 'string') headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: typeof body === 'string' ? body : body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}
