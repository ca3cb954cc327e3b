// The panel sees who is there: a clear warning while no screen is
// connected, gone as soon as the screen page opens and back when it
// closes; the staff by name, connected or not; the hall's count.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  VIEWPORTS, adminCall, createEvent, ensureScreenshotsDir, launchBrowser, startServer, watch,
} from './harness.js';

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

/**
 * Adds a staff member through the admin API; returns their personal link.
 * @param {string} code
 * @param {string} name
 * @param {string} role
 * @returns {Promise<string>}
 */
async function addStaff(code, name, role) {
  const added = await adminCall(server, 'POST', `/api/events/${code}/staff`, { name, role });
  assert.equal(added.status, 201);
  return added.json.link;
}

const WARNING = '⚠ Chưa có màn hình chiếu nào kết nối';

test('the panel warns while no screen is connected, names the staff and counts the hall', async () => {
  const event = await createEvent(server, { title: 'Hội nghị đối thoại với cán bộ chủ chốt', pre_moderation: true });
  const code = event.join_code;
  const chair = await addStaff(code, 'Nguyễn Văn An', 'chair');
  await addStaff(code, 'Trần Thị Lan', 'moderator');
  const projector = await addStaff(code, 'Máy chiếu hội trường', 'screen');

  const panelContext = await browser.newContext({ ...VIEWPORTS.laptop, locale: 'vi-VN' });
  const mod = await panelContext.newPage();
  const problems = watch(mod, 'moderator');
  await mod.goto(chair);

  // Nothing on the projector: said in words, in a polite live region.
  const warning = mod.locator('#no-screen');
  await warning.filter({ hasText: WARNING }).waitFor();
  assert.equal(await warning.getAttribute('role'), 'status');
  assert.equal(await mod.textContent('#who-screens'), 'Màn hình: chưa kết nối');
  const staff = mod.locator('#who-staff li');
  await staff.first().waitFor();
  assert.deepEqual(await staff.allTextContents(), [
    'Nguyễn Văn AnChủ tọa · đang kết nối',
    'Trần Thị LanĐiều hành viên · chưa kết nối',
    'Máy chiếu hội trườngMàn hình · chưa kết nối',
  ]);
  const shots = ensureScreenshotsDir();
  await mod.screenshot({ path: join(shots, 'presence-no-screen.png') });

  // The screen page opens (the projector's personal link): the warning goes.
  const screenContext = await browser.newContext({ ...VIEWPORTS.hd, locale: 'vi-VN' });
  const screen = await screenContext.newPage();
  await screen.goto(projector);
  await mod.locator('#who-screens', { hasText: 'Màn hình: đã kết nối (1)' }).waitFor({ timeout: 3_000 });
  assert.equal(await warning.textContent(), '');
  assert.equal(await warning.isVisible(), false);
  await mod.locator('#who-staff li', { hasText: 'Máy chiếu hội trường' }).filter({ hasText: 'đang kết nối' }).waitFor();

  // Two phones join: the hall's count.
  const phones = await Promise.all([1, 2].map(async () => {
    const context = await browser.newContext({ ...VIEWPORTS.phone, locale: 'vi-VN' });
    const page = await context.newPage();
    await page.goto(event.links.attendee);
    return context;
  }));
  await mod.locator('#who-attendees', { hasText: 'Người tham gia: 2 (2 thiết bị)' }).waitFor({ timeout: 3_000 });
  await mod.screenshot({ path: join(shots, 'presence-screen-connected.png') });

  // English, then the screen closes: the warning is back.
  await mod.click('.lang-switch');
  assert.equal(await mod.textContent('#who-screens'), 'Screen: connected (1)');
  await screenContext.close();
  await warning.filter({ hasText: '⚠ No projector screen is connected' }).waitFor({ timeout: 3_000 });
  await mod.click('.lang-switch');
  await warning.filter({ hasText: WARNING }).waitFor();

  for (const context of phones) await context.close();
  await panelContext.close();
  assert.deepEqual(problems, []);
});

test('a roster event shows its delegates: claimed cards of the total, connected now', async () => {
  const event = await createEvent(server, { title: 'Đối thoại công tác cán bộ', pre_moderation: false, roster: true });
  const rows = 'Họ và tên;Đơn vị\nNguyễn Văn An;Sở Nội vụ\nTrần Thị Bích Ngọc;Sở Tài chính\nLê Hoàng Phúc;Sở Y tế\n';
  const imported = await adminCall(server, 'POST', `/api/events/${event.join_code}/roster`, rows);
  assert.equal(imported.status, 200, JSON.stringify(imported.json));
  const context = await browser.newContext({ ...VIEWPORTS.laptop, locale: 'vi-VN' });
  const mod = await context.newPage();
  const problems = watch(mod, 'moderator');
  await mod.goto(event.links.moderator);
  await mod.locator('#who-roster', { hasText: 'Đại biểu: 0/3 đã nhận thẻ, 0 đang kết nối' }).waitFor();
  await mod.click('.lang-switch');
  await mod.locator('#who-roster', { hasText: 'Delegates: 0/3 cards claimed, 0 connected' }).waitFor();
  await context.close();
  assert.deepEqual(problems, []);
});
