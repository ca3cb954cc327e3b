// Roster events on the phone: a card's QR link claims the delegate, a
// typed code does too (a wrong one is said in words), a phone without a
// card can read but not vote, and a card claimed on another phone tells
// the first one.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  VIEWPORTS, adminCall, ask, createEvent, ensureScreenshotsDir, launchBrowser, startServer, watch,
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

/** @type {(method: string, path: string, body?: object | string) => ReturnType<typeof adminCall>} */
const admin = (method, path, body) => adminCall(server, method, path, body);

const ROSTER = '\uFEFFSTT;Họ và tên;Đơn vị;Chức vụ\r\n'
  + '1;Nguyễn Văn An;Sở Nội vụ;Giám đốc\r\n'
  + '2;Trần Thị Bích Ngọc;UBND huyện Đông Anh;Phó Chủ tịch\r\n';

test('a delegate claims a card by its QR link or its code and votes once; a phone without a card only reads', async () => {
  const event = await createEvent(server, { title: 'Đối thoại công tác cán bộ', pre_moderation: false, roster: true });
  const imported = await admin('POST', `/api/events/${event.join_code}/roster`, ROSTER);
  assert.equal(imported.status, 200, JSON.stringify(imported.json));
  const cards = (await admin('GET', `/api/events/${event.join_code}/roster`)).json;
  const [an, ngoc] = cards;

  // The card's QR link: claimed at once, the code gone from the address bar.
  const phoneA = await browser.newContext({ ...VIEWPORTS.phone, locale: 'vi-VN' });
  const a = await phoneA.newPage();
  const problems = watch(a, 'delegate');
  await a.goto(an.link);
  await a.locator('#delegate', { hasText: 'Đại biểu: Nguyễn Văn An · Sở Nội vụ' }).waitFor();
  assert.equal(new URL(a.url()).hash, '', 'the code left the address bar');
  assert.equal(await a.locator('#card').isHidden(), true);
  await ask(a, 'Việc lấy phiếu tín nhiệm năm nay có gì thay đổi?', { identity: 'named' });
  assert.equal(await a.locator('#name-row').isHidden(), true, 'the roster names the delegate');

  // No card: the queue, the card form, no vote.
  const phoneB = await browser.newContext({ ...VIEWPORTS.phone, locale: 'vi-VN' });
  const b = await phoneB.newPage();
  watch(b, 'guest');
  await b.goto(event.links.attendee);
  await b.locator('#card').waitFor();
  const item = b.locator('#queue-list li', { hasText: 'phiếu tín nhiệm' });
  await item.waitFor();
  assert.equal(await item.locator('.vote').isDisabled(), true, 'no card, no vote');
  assert.equal(await b.locator('#askbar').isHidden(), true);
  await b.fill('#card-code', 'abcd-efgh');
  await b.click('#card-submit');
  await b.locator('#card-error', { hasText: 'Mã này không đúng' }).waitFor();
  await b.screenshot({ path: join(ensureScreenshotsDir(), 'roster-card-form-phone.png'), fullPage: true });
  // Typed as people type: lower case, a space instead of the dash.
  await b.fill('#card-code', ngoc.code.toLowerCase().replace('-', ' '));
  await b.click('#card-submit');
  await b.locator('#delegate', { hasText: 'Trần Thị Bích Ngọc' }).waitFor();
  await item.locator('.vote').click();
  await item.locator('.vote-count', { hasText: '1' }).waitFor();

  // The same card on a laptop: the phone is told, the laptop is the delegate.
  const laptop = await browser.newContext({ ...VIEWPORTS.laptop, locale: 'vi-VN' });
  const c = await laptop.newPage();
  await c.goto(ngoc.link);
  await c.locator('#delegate', { hasText: 'Trần Thị Bích Ngọc' }).waitFor();
  await b.locator('#card-error', { hasText: 'vừa được dùng trên một thiết bị khác' }).waitFor({ timeout: 3_000 });
  assert.equal(await b.locator('#delegate').isHidden(), true);
  const same = c.locator('#queue-list li', { hasText: 'phiếu tín nhiệm' });
  assert.equal(await same.locator('.vote').getAttribute('aria-pressed'), 'true', 'the vote is the delegate\'s');
  assert.equal(await same.locator('.vote-count').textContent(), '1');
  await b.screenshot({ path: join(ensureScreenshotsDir(), 'roster-card-moved-phone.png'), fullPage: true });
  assert.deepEqual(problems.filter((p) => !/WebSocket/.test(p)), []);
  await Promise.all([phoneA.close(), phoneB.close(), laptop.close()]);
});
