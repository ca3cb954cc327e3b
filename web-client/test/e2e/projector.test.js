// Issue 13, item 2: is the projector on? The panel's header says whether a
// screen is connected (a warning when none is), marks that and the hall's
// count as not current while the panel has lost the server, and previews
// what the screen shows now (a question, the way to join, or blank).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  VIEWPORTS, ask, createEvent, ensureScreenshotsDir, eventually, launchBrowser, startServer, watch,
} from './harness.js';

const QUESTION = 'Đề nghị cho biết kế hoạch nâng cấp trạm y tế xã trong năm tới?';

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

test('the header shows whether a screen is connected, and a screen that opens and closes', async () => {
  const event = await createEvent(server, { title: 'Đối thoại về y tế cơ sở', pre_moderation: false });
  const context = await browser.newContext({ ...VIEWPORTS.laptop, locale: 'vi-VN' });
  const mod = await context.newPage();
  const problems = watch(mod, 'moderator');
  await mod.goto(event.links.moderator);
  const status = mod.locator('.topbar #projector');
  await status.filter({ hasText: 'Màn hình chiếu: chưa kết nối' }).waitFor({ timeout: 5_000 });
  assert.equal(await status.getAttribute('data-state'), 'off');
  // The full warning stays in the banner under the header.
  await mod.locator('#no-screen', { hasText: 'Chưa có màn hình chiếu nào kết nối' }).waitFor();
  assert.equal(await status.isVisible(), true);
  const shots = ensureScreenshotsDir();
  await mod.screenshot({ path: join(shots, 'projector-none-1366.png') });
  // At 4:3 (1024 px) the header keeps one row, the status still in words for screen readers.
  await mod.setViewportSize({ width: 1024, height: 768 });
  const tools = await mod.locator('.top-tools').boundingBox();
  assert.ok(tools && tools.height < 50, `the header's tools take ${tools?.height} px at 1024 px`);
  assert.equal((await status.textContent())?.replace(/\s+/g, ' ').trim(), 'Màn hình chiếu: chưa kết nối');
  await mod.screenshot({ path: join(shots, 'projector-none-1024.png') });
  await mod.setViewportSize(VIEWPORTS.laptop.viewport);

  const screenContext = await browser.newContext({ ...VIEWPORTS.hd, locale: 'vi-VN' });
  const screen = await screenContext.newPage();
  await screen.goto(event.links.screen);
  await status.filter({ hasText: 'Màn hình chiếu: đã kết nối (1)' }).waitFor({ timeout: 5_000 });
  assert.equal(await status.getAttribute('data-state'), 'on');
  await mod.click('.lang-switch');
  assert.equal((await status.textContent())?.replace(/\s+/g, ' ').trim(), 'Projector screen: connected (1)');
  await mod.click('.lang-switch');

  await screenContext.close();
  await status.filter({ hasText: 'Màn hình chiếu: chưa kết nối' }).waitFor({ timeout: 5_000 });
  assert.equal(await status.getAttribute('data-state'), 'off');
  await context.close();
  assert.deepEqual(problems, []);
});

test('the preview follows the current question and the blank setting', async () => {
  const event = await createEvent(server, { title: 'Đối thoại về giáo dục', pre_moderation: false });
  const attendee = await (await browser.newContext({ ...VIEWPORTS.phone, locale: 'vi-VN' })).newPage();
  await attendee.goto(event.links.attendee);
  await ask(attendee, QUESTION);
  const shots = ensureScreenshotsDir();
  for (const viewport of [VIEWPORTS.laptop.viewport, { width: 1024, height: 768 }]) {
    const context = await browser.newContext({ viewport, locale: 'vi-VN' });
    const mod = await context.newPage();
    const problems = watch(mod, 'moderator');
    await mod.goto(event.links.moderator);
    const preview = mod.locator('#scr-preview');
    // Nothing current: the screen shows how to join.
    await preview.filter({ hasText: 'mã QR' }).waitFor({ timeout: 5_000 });
    assert.equal(await preview.getAttribute('data-mode'), 'idle');
    const item = mod.locator('#list li.mq', { hasText: QUESTION });
    await item.locator('[data-action="set_current"]').click();
    await eventually(async () => assert.equal((await preview.locator('.scr-preview-text').textContent())?.trim(), QUESTION));
    assert.equal(await preview.getAttribute('data-mode'), 'current');
    await mod.screenshot({ path: join(shots, `projector-preview-${viewport.width}.png`) });
    await mod.locator('.who').screenshot({ path: join(shots, `projector-preview-card-${viewport.width}.png`) });
    // Blank: the title alone.
    await mod.check('#scr-blank');
    await preview.filter({ hasText: 'Màn hình tắt' }).waitFor({ timeout: 5_000 });
    assert.equal(await preview.getAttribute('data-mode'), 'blank');
    assert.equal((await preview.locator('.scr-preview-text').textContent())?.trim(), 'Đối thoại về giáo dục');
    await mod.uncheck('#scr-blank');
    await preview.filter({ hasText: QUESTION }).waitFor({ timeout: 5_000 });
    await item.locator('[data-action="clear_current"]').click();
    await preview.filter({ hasText: 'mã QR' }).waitFor({ timeout: 5_000 });
    await context.close();
    assert.deepEqual(problems, []);
  }
  await attendee.context().close();
});

test('the status and the hall\'s count are marked not current while the server is gone', async () => {
  const event = await createEvent(server, { title: 'Đối thoại khi mất điện', pre_moderation: false });
  const context = await browser.newContext({ ...VIEWPORTS.laptop, locale: 'vi-VN' });
  const mod = await context.newPage();
  await mod.goto(event.links.moderator);
  const screen = await (await browser.newContext({ ...VIEWPORTS.hd })).newPage();
  await screen.goto(event.links.screen);
  const status = mod.locator('#projector');
  await status.filter({ hasText: 'đã kết nối (1)' }).waitFor({ timeout: 5_000 });
  await mod.locator('#presence:not(.stale)').waitFor();

  await server.kill();
  await status.filter({ hasText: 'Màn hình chiếu: chưa rõ' }).waitFor({ timeout: 10_000 });
  assert.equal(await status.getAttribute('data-state'), 'stale');
  await mod.locator('#who-stale', { hasText: 'Mất kết nối máy chủ' }).waitFor();
  await mod.locator('#presence.stale', { hasText: 'chưa cập nhật' }).waitFor();
  assert.equal(await mod.locator('.who').getAttribute('aria-busy'), 'true');
  await mod.screenshot({ path: join(ensureScreenshotsDir(), 'projector-stale-1366.png') });

  // Back: current again (the screen reconnects too).
  await server.start();
  await status.filter({ hasText: 'Màn hình chiếu: đã kết nối (1)' }).waitFor({ timeout: 20_000 });
  await mod.locator('#presence:not(.stale)').waitFor();
  await screen.context().close();
  await context.close();
});
