// The panel's "cannot store data" banner, for real: the server's data
// directory is on a small tmpfs that the test fills (a video recording on
// the laptop's disk) and frees. Mounting needs root; where the machine does
// not allow it the test says why and is skipped, never faked.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VIEWPORTS, createEvent, ensureScreenshotsDir, launchBrowser, startServer, watch } from './harness.js';

const BANNER_VI = 'Máy chủ không ghi được dữ liệu';
const BANNER_EN = 'The server cannot store data';

const root = mkdtempSync(join(tmpdir(), 'hoidap-disk-'));
const mnt = join(root, 'mnt');
mkdirSync(mnt);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt], { encoding: 'utf8' });
const skip = mounted.status === 0 ? false
  : `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || '').trim()}); needs root`;
if (skip) console.log(`SKIPPED: ${skip}`);

/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
/** @type {import('playwright-core').Browser | undefined} */
let browser;

before(async () => {
  if (skip) return;
  server = await startServer({ data: join(mnt, 'data') });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (!skip) spawnSync('umount', ['-l', mnt]);
  rmSync(root, { recursive: true, force: true });
});

/** Writes zeros into `path` until the file system refuses. */
function fill(path) {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

test('the panel says the server cannot store data while the disk is full, and stops once it can', { skip }, async () => {
  assert.ok(server && browser);
  const event = await createEvent(server, { title: 'Kỳ họp thứ tám', pre_moderation: true });
  const context = await browser.newContext({ ...VIEWPORTS.laptop, locale: 'vi-VN' });
  const mod = await context.newPage();
  // The page asks /healthz, and Chromium logs its 503 as a console error.
  const problems = watch(mod, 'moderator');
  await mod.goto(event.links.moderator);
  const banner = mod.locator('#unwritable');
  await mod.locator('#set-premod').waitFor();
  assert.equal(await banner.isVisible(), false);

  const filler = join(mnt, 'video-recording.mp4');
  fill(filler);
  // A change the log cannot store: refused, and the banner says why at once.
  await mod.locator('#set-premod').click();
  await banner.filter({ hasText: BANNER_VI }).waitFor({ timeout: 4_000 });
  assert.equal(await banner.getAttribute('role'), 'alert');
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 503);
  assert.match(await health.text(), /^unwritable: .*full/);
  await mod.screenshot({ path: join(ensureScreenshotsDir(), 'moderator-disk-full.png') });
  await mod.click('.lang-switch');
  await banner.filter({ hasText: BANNER_EN }).waitFor();
  await mod.click('.lang-switch');

  // Space returns: the server writes again by itself, the banner goes.
  rmSync(filler);
  await banner.waitFor({ state: 'hidden', timeout: 8_000 });
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  await context.close();
  assert.deepEqual(problems.filter((p) => !/status of 503/.test(p)), []);
});
