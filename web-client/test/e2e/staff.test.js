// Named staff on the panel: a personal link shows who is working there, an
// observer's panel has no controls, and a revoked link ends the page with
// a message saying what to do.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminCall, createEvent, launchBrowser, startServer, watch } from './harness.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** @type {(method: string, path: string, body?: object) => ReturnType<typeof adminCall>} */
const admin = (method, path, body) => adminCall(server, method, path, body);

test('a personal link names the person and their role; an observer only watches; revoking ends the page', async () => {
  const event = await createEvent(server, { title: 'Đối thoại với cán bộ chủ chốt', pre_moderation: true });
  const code = event.join_code;
  const added = await admin('POST', `/api/events/${code}/staff`, { name: 'Trần Thị Lan', role: 'moderator' });
  assert.equal(added.status, 201);
  const watcher = await admin('POST', `/api/events/${code}/staff`, { name: 'Ban Tổ chức Tỉnh ủy', role: 'observer' });

  const context = await browser.newContext({ locale: 'vi-VN' });
  const mod = await context.newPage();
  const problems = watch(mod, 'moderator');
  await mod.goto(added.json.link);
  await mod.locator('.role-name', { hasText: 'Trần Thị Lan · Điều hành viên' }).waitFor();
  assert.equal(await mod.locator('#read-only').isHidden(), true);

  const obs = await context.newPage();
  await obs.goto(watcher.json.link);
  await obs.locator('.role-name', { hasText: 'Ban Tổ chức Tỉnh ủy · Quan sát viên' }).waitFor();
  await obs.locator('#read-only').waitFor();
  assert.equal(await obs.locator('.settings').isVisible(), false, 'an observer has no settings');

  // The shared moderator link no longer opens the panel.
  const shared = await context.newPage();
  await shared.goto(event.links.moderator);
  await shared.locator('#refused').waitFor();

  const revoked = await admin('POST', `/api/events/${code}/staff/${added.json.id}/revoke`);
  assert.equal(revoked.json.active, false);
  await mod.locator('#refused-msg', { hasText: 'đã bị thu hồi' }).waitFor({ timeout: 3_000 });
  // Reloading does not bring it back.
  await mod.reload();
  await mod.locator('#refused').waitFor();
  assert.deepEqual(problems.filter((p) => !/WebSocket|4003|4000|revoked|bad_secret/.test(p)), []);
  await context.close();
});
