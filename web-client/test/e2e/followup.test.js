// After the question, end to end with everyone on their own page (issue 11):
// two delegates with their cards, the chair on the panel, the official on
// their own page. A question is routed and promised in writing, the meeting
// closes, the official answers, the asker reads the answer on the phone and
// says it is not satisfactory, the official answers again, and the other
// delegate reads both answers under "Đã trả lời".

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  VIEWPORTS, adminCall, createEvent, ensureScreenshotsDir, eventually, launchBrowser, startServer, texts, watch,
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

const ROSTER = '\uFEFFSTT;Họ và tên;Đơn vị;Chức vụ\r\n'
  + '1;Nguyễn Văn An;Sở Nội vụ;Giám đốc\r\n'
  + '2;Trần Thị Bích Ngọc;UBND huyện Đông Anh;Phó Chủ tịch\r\n';
const PHONE = { ...VIEWPORTS.phone, viewport: { width: 390, height: 844 } };
const LAPTOP = { ...VIEWPORTS.laptop, viewport: { width: 1366, height: 768 } };
const QUESTION = 'Đề nghị cho biết lộ trình tinh giản biên chế của khối sở, ngành đến năm 2030?';
const FIRST = 'Đến năm 2030, khối sở, ngành giảm 10% biên chế so với năm 2025, theo kế hoạch từng năm.';
const REASON = 'Chưa nêu rõ mức giảm của từng năm và cách bố trí người dôi dư.';
const SECOND = 'Mỗi năm giảm 2%; người dôi dư được đào tạo lại hoặc nghỉ hưu trước tuổi theo chính sách.';

test('a delegate\'s question is routed, answered in writing after the meeting, found wanting and answered again', async () => {
  const dir = ensureScreenshotsDir();
  const event = await createEvent(server, { title: 'Đối thoại về tổ chức bộ máy', pre_moderation: false, roster: true });
  const code = event.join_code;
  /** @type {(m: string, p: string, b?: object | string) => ReturnType<typeof adminCall>} */
  const admin = (m, p, b) => adminCall(server, m, p, b);
  assert.equal((await admin('POST', `/api/events/${code}/roster`, ROSTER)).status, 200);
  const [an, ngoc] = (await admin('GET', `/api/events/${code}/roster`)).json;
  const chairMember = (await admin('POST', `/api/events/${code}/staff`, { name: 'Lê Minh Chủ tọa', role: 'chair' })).json;
  const official = (await admin('POST', `/api/events/${code}/staff`, { name: 'Chủ tịch UBND tỉnh', role: 'official' })).json;
  const patched = await admin('PATCH', `/api/events/${code}`, {
    asker_routes: true,
    topics: [{ name: 'Tổ chức bộ máy, tinh giản biên chế' }, { name: 'Vấn đề chung' }],
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));
  assert.match(official.link, /\/o\//, 'an official\'s link opens their own page');

  // Delegate An asks from the phone, on a topic, without choosing whom.
  const phoneA = await browser.newContext({ ...PHONE, locale: 'vi-VN' });
  const a = await phoneA.newPage();
  const problems = [watch(a, 'An')];
  await a.goto(an.link);
  await a.locator('#delegate', { hasText: 'Nguyễn Văn An' }).waitFor();
  await a.click('#ask-open');
  await a.locator('#ask-text').fill(QUESTION);
  await a.locator('#ask-topic').selectOption({ label: 'Tổ chức bộ máy, tinh giản biên chế' });
  const named = a.locator('#identity-named');
  if (await named.isVisible()) await named.check();
  await a.click('#ask-submit');
  await a.locator('#ask').waitFor({ state: 'hidden' });
  const mine = a.locator('#mine-list li', { hasText: QUESTION });
  await mine.waitFor();

  // The chair routes it to the official, with the reason, and promises a
  // written answer; then closes the meeting.
  const laptop = await browser.newContext({ ...LAPTOP, locale: 'vi-VN' });
  const chair = await laptop.newPage();
  problems.push(watch(chair, 'chair'));
  await chair.goto(chairMember.link);
  const item = chair.locator('#list li.mq', { hasText: QUESTION });
  await item.waitFor();
  const form = (/** @type {string} */ kind) => item.locator(`form[data-fu="${kind}"]`);
  await item.locator('details.fu-more summary').click();
  await form('route').getByLabel('Kính gửi').selectOption({ label: 'Chủ tịch UBND tỉnh' });
  await form('route').getByLabel('Lý do (không bắt buộc)').fill('Thuộc thẩm quyền của UBND tỉnh');
  await form('route').getByRole('button', { name: 'Phân công' }).click();
  await item.locator('.fu-route', { hasText: 'Chủ tịch UBND tỉnh' }).first().waitFor();
  await form('in_writing').getByRole('button', { name: 'Giao trả lời bằng văn bản' }).click();
  await eventually(async () => {
    assert.match(await mine.locator('.fu-state').textContent() ?? '', /^Sẽ trả lời bằng văn bản, hạn \d\d\/\d\d\/\d{4}\.$/);
  });
  await chair.check('#phase-closed');
  // Promised in writing, it left the live queue: every question shows it.
  await chair.click('#f-all');
  await item.scrollIntoViewIfNeeded();
  await chair.waitForTimeout(300);
  await chair.screenshot({ path: join(dir, 'followup-chair-laptop.png') });

  // After the meeting: the official writes and publishes on their page.
  const officeCtx = await browser.newContext({ ...LAPTOP, locale: 'vi-VN' });
  const office = await officeCtx.newPage();
  problems.push(watch(office, 'official'));
  await office.goto(official.link);
  const card = office.locator('li.oq').filter({ has: office.locator('.q-text', { hasText: QUESTION }) });
  await card.waitFor();
  const publish = async (/** @type {string} */ text) => {
    await card.locator('textarea').fill(text);
    await card.locator('[data-action="publish"]').click();
    await office.locator('#confirm-body', { hasText: 'ký tên Chủ tịch UBND tỉnh' }).waitFor();
    await office.locator('#confirm button[value="ok"]').click();
  };
  await publish(FIRST);
  await eventually(async () => assert.equal(await card.locator('.oq-status').textContent(), 'Đã trả lời bằng văn bản'));

  // The asker reads it on the phone, signed, and is not satisfied.
  await eventually(async () => {
    assert.equal(await mine.locator('.fu-state').textContent(), 'Đã trả lời bằng văn bản.');
    assert.deepEqual(await texts(a, '#mine-list li .fu-answer-text'), [FIRST]);
    assert.match(await mine.locator('.fu-answer-by').textContent() ?? '', /^Chủ tịch UBND tỉnh, \d\d\/\d\d\/\d{4}$/);
  });
  await mine.locator('.fu-ns-open').click();
  await a.locator('#ns-text').fill(REASON);
  await a.click('#ns-submit');
  await eventually(async () => {
    assert.equal(await mine.locator('.fu-state').textContent(), 'Chưa thỏa đáng — đang chờ trả lời lại.');
  }, 10_000);

  // Back at the top of the official's page, with the reason; answered again.
  await eventually(async () => {
    assert.equal(await card.locator('.oq-status').textContent(), 'Người hỏi chưa hài lòng');
    assert.equal(await card.locator('.oq-reason-text').textContent(), REASON);
  });
  await office.waitForTimeout(300);
  await office.screenshot({ path: join(dir, 'followup-official-laptop.png') });
  await publish(SECOND);

  // Both answers on the asker's phone; the other delegate reads them in
  // the hall's "Đã trả lời".
  await eventually(async () => {
    assert.deepEqual(await texts(a, '#mine-list li .fu-answer-text'), [FIRST, SECOND]);
    assert.equal(await mine.locator('.fu-state').textContent(), 'Đã trả lời bằng văn bản.');
  });
  await mine.evaluate((n) => n.scrollIntoView({ block: 'start' }));
  await a.waitForTimeout(300);
  await a.screenshot({ path: join(dir, 'followup-asker-phone.png') });

  const phoneB = await browser.newContext({ ...PHONE, locale: 'vi-VN' });
  const b = await phoneB.newPage();
  problems.push(watch(b, 'Ngọc'));
  await b.goto(ngoc.link);
  await b.locator('#delegate', { hasText: 'Trần Thị Bích Ngọc' }).waitFor();
  await b.click('#tab-answered');
  const answered = b.locator('#queue-list li', { hasText: QUESTION });
  await eventually(async () => {
    assert.deepEqual(await texts(b, '#queue-list li .fu-answer-text'), [FIRST, SECOND]);
    assert.equal(await answered.locator('.fu-ns-open').isVisible(), false, 'only the asker objects');
  });
  await b.waitForTimeout(300);
  await b.screenshot({ path: join(dir, 'followup-hall-phone.png') });

  for (const p of problems) assert.deepEqual(p, [], 'no console errors or dialogs');
  for (const c of [phoneA, phoneB, laptop, officeCtx]) await c.close();
});
