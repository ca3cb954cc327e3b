// Personal data in the organiser console: a retention period set in the
// event form; a delegate's data downloaded from the roster and their
// identity detached through the dialog; the asker of a question in an open
// event found by its number (and refused clearly for a question anonymous
// to everyone, or one that does not exist); every identity detached at once.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  VIEWPORTS, adminCall, adminLogin, ask, createEvent, ensureScreenshotsDir, eventually, launchBrowser,
  moderatorSnapshot, startServer, watch,
} from './harness.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const ROSTER = '\uFEFFSTT;Họ và tên;Đơn vị;Chức vụ\r\n1;Nguyễn Văn An;Sở Nội vụ;Giám đốc\r\n2;Trần Thị Bích Ngọc;Sở Tài chính;Phó Giám đốc\r\n';

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

/** @param {string} path */
async function admin(path) {
  const res = await adminCall(server, 'GET', path);
  assert.equal(res.status, 200, `${path}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/**
 * Clicks what starts a download and reads the file.
 * @param {import('playwright-core').Page} page
 * @param {import('playwright-core').Locator} trigger
 */
async function download(page, trigger) {
  const [file] = await Promise.all([page.waitForEvent('download'), trigger.click()]);
  const body = JSON.parse(readFileSync(/** @type {string} */ (await file.path()), 'utf8'));
  return { name: file.suggestedFilename(), body };
}

test('a roster event: the retention period in the form, a delegate’s data, and their identity detached', async () => {
  const dir = ensureScreenshotsDir();
  const context = await browser.newContext({ ...VIEWPORTS.laptop, locale: 'vi-VN' });
  const page = await adminLogin(context, server);
  const problems = watch(page, 'admin');

  await page.locator('#events-new').click();
  await page.locator('#f-title').fill('Đối thoại với cán bộ, công chức tỉnh');
  await page.locator('#f-mode-roster').check();
  await page.locator('#f-pre').uncheck();
  // Out of range: said next to the field, nothing created.
  await page.locator('#f-retention').fill('5000');
  await page.locator('#form-submit').click();
  await page.locator('#f-retention-error', { hasText: 'từ 0 đến 3650' }).waitFor();
  assert.equal(await page.locator('#f-retention').getAttribute('aria-invalid'), 'true');
  assert.deepEqual(await admin('/api/events'), []);
  await page.locator('#f-retention').fill('30');
  await page.locator('#f-retention').blur();
  await page.screenshot({ path: join(dir, 'admin-privacy-form.png'), fullPage: true });
  await page.locator('#form-submit').click();
  await page.locator('#settings-list', { hasText: '30 ngày sau thời hạn theo dõi' }).waitFor();
  const [made] = await admin('/api/events');
  const code = made.join_code;
  assert.equal((await admin(`/api/events/${code}`)).settings.retention_days, 30);

  // Emptied: kept until detached by hand (`null` sent, the setting gone).
  await page.locator('#ev-edit').click();
  await page.locator('#form-heading', { hasText: 'Sửa cài đặt hội nghị' }).waitFor();
  assert.equal(await page.locator('#f-retention').inputValue(), '30');
  await page.locator('#f-retention').fill('');
  await page.locator('#form-submit').click();
  await page.locator('#settings-list', { hasText: 'Giữ đến khi gỡ thủ công' }).waitFor();
  assert.equal((await admin(`/api/events/${code}`)).settings.retention_days ?? null, null);
  await page.locator('#ev-edit').click();
  await page.locator('#f-retention').fill('0');
  await page.locator('#form-submit').click();
  await page.locator('#settings-list', { hasText: 'Gỡ ngay khi hết thời hạn theo dõi' }).waitFor();
  assert.equal((await admin(`/api/events/${code}`)).settings.retention_days, 0);

  // Two delegates; An asks a named question on his phone.
  await page.locator('#nav-roster').click();
  await page.locator('#roster-file').setInputFiles({ name: 'dai-bieu.csv', mimeType: 'text/csv', buffer: Buffer.from(ROSTER) });
  await page.locator('#roster-import', { hasText: 'Nhập 2 đại biểu' }).click();
  await page.locator('#roster-count', { hasText: '2 đại biểu' }).waitFor();
  const [an, ngoc] = await admin(`/api/events/${code}/roster`);
  const phoneContext = await browser.newContext({ ...VIEWPORTS.phone, locale: 'vi-VN' });
  const phone = await phoneContext.newPage();
  problems.push(...watch(phone, 'delegate'));
  await phone.goto(an.link);
  await phone.locator('#delegate', { hasText: an.name }).waitFor();
  const question = 'Đề nghị cho biết kế hoạch đào tạo công chức cấp xã năm 2027?';
  await ask(phone, question, { identity: 'named' });
  const moderator = await browser.newContext();
  const event = { join_code: code, moderator_secret: made.moderator_secret };
  await eventually(async () => {
    const snap = await moderatorSnapshot(moderator, server.url, event);
    assert.equal(snap.questions.find((q) => q.text === question)?.name, an.name);
  });

  // His data, as a file.
  const row = page.locator(`#roster-body tr[data-id="${an.id}"]`);
  const file = await download(page, row.locator('[data-action="data"]'));
  assert.equal(file.name, `hoidap-${code}-${an.id}.json`);
  assert.equal(file.body.event.join_code, code);
  assert.equal(file.body.delegate.name, 'Nguyễn Văn An');
  assert.equal(file.body.delegate.unit, 'Sở Nội vụ');
  assert.deepEqual(file.body.questions.map((/** @type {any} */ q) => [q.text, q.name]), [[question, an.name]]);

  // Asked first, with what goes and that it cannot be undone; cancel keeps all.
  await row.locator('[data-action="detach"]').click();
  const dialog = page.locator('#dialog[open]');
  await dialog.locator('#dialog-title', { hasText: 'Gỡ danh tính của Nguyễn Văn An?' }).waitFor();
  const said = await dialog.locator('#dialog-content').textContent() ?? '';
  for (const part of ['họ tên, đơn vị và chức vụ', 'mọi câu hỏi của người này', 'nhật ký', 'Không thể hoàn tác.']) {
    assert.ok(said.includes(part), `the dialog says “${part}”: ${said}`);
  }
  await page.screenshot({ path: join(dir, 'admin-privacy-dialog.png') });
  await page.locator('#dialog-cancel').click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await admin(`/api/events/${code}/people?delegate=${an.id}`)).delegate.name, 'Nguyễn Văn An');

  await row.locator('[data-action="detach"]').click();
  await page.locator('#dialog-ok').click();
  await page.locator('#toast', { hasText: 'Đã gỡ danh tính: 1 câu hỏi, 1 đại biểu; 2 mục trong nhật ký' }).waitFor();
  await row.locator('th', { hasText: '(đã gỡ danh tính)' }).waitFor();
  assert.equal(await row.locator('[data-action="detach"]').count(), 0, 'nothing left to detach');
  assert.equal(await page.locator(`#roster-body tr[data-id="${ngoc.id}"] th`).textContent(), 'Trần Thị Bích Ngọc');
  const after = await admin(`/api/events/${code}/people?delegate=${an.id}`);
  assert.equal(after.delegate.name, '');
  assert.equal(after.questions[0].name ?? null, null);
  const snap = await moderatorSnapshot(moderator, server.url, event);
  assert.equal(snap.questions.find((q) => q.text === question)?.name ?? null, null);
  await page.locator('#toast').evaluate((n) => { n.hidden = true; });
  await page.screenshot({ path: join(dir, 'admin-privacy-roster.png'), fullPage: true });

  // At a phone's width: the form and the dialog.
  const small = await browser.newContext({ ...PHONE, locale: 'vi-VN' });
  const narrow = await adminLogin(small, server);
  problems.push(...watch(narrow, 'admin phone'));
  await narrow.goto(`${server.url}/admin#/e/${code}/edit`);
  await narrow.locator('#f-retention').scrollIntoViewIfNeeded();
  await narrow.screenshot({ path: join(dir, 'admin-privacy-form-phone.png') });
  await narrow.goto(`${server.url}/admin#/e/${code}/roster`);
  await narrow.locator(`#roster-body tr[data-id="${ngoc.id}"] [data-action="detach"]`).click();
  await narrow.locator('#dialog[open]').waitFor();
  await narrow.screenshot({ path: join(dir, 'admin-privacy-dialog-phone.png') });
  await narrow.locator('#dialog-cancel').click();

  assert.deepEqual(problems, []);
  await Promise.all([context, phoneContext, moderator, small].map((c) => c.close()));
});

test('an open event: the asker of a question by its number, then every identity at once', async () => {
  const dir = ensureScreenshotsDir();
  const made = await createEvent(server, {
    title: 'Hội nghị đối thoại với thanh niên', pre_moderation: false, identities: ['named', 'anonymous'],
  });
  const code = made.join_code;
  const phoneContext = await browser.newContext({ ...VIEWPORTS.phone, locale: 'vi-VN' });
  const phone = await phoneContext.newPage();
  const problems = watch(phone, 'attendee');
  await phone.goto(made.links.attendee);
  await ask(phone, 'Tỉnh có chính sách gì hỗ trợ thanh niên khởi nghiệp?', { name: 'Lê Thị Hồng', unit: 'Đoàn xã Tân Hòa' });
  await ask(phone, 'Câu hỏi không ai biết người hỏi?', { identity: 'anonymous' });
  const moderator = await browser.newContext();
  await eventually(async () => {
    const snap = await moderatorSnapshot(moderator, server.url, made);
    assert.equal(snap.questions.length, 2);
  });
  const snap = await moderatorSnapshot(moderator, server.url, made);
  const named = snap.questions.find((q) => q.name === 'Lê Thị Hồng');
  const anonymous = snap.questions.find((q) => q.identity === 'anonymous');
  assert.ok(named && anonymous);

  const context = await browser.newContext({ ...VIEWPORTS.laptop, locale: 'vi-VN' });
  const page = await adminLogin(context, server);
  problems.push(...watch(page, 'admin'));
  await page.goto(`${server.url}/admin#/e/${code}/info`);
  await page.locator('#person-question').fill(String(named.id));
  const file = await download(page, page.locator('#person-download'));
  assert.equal(file.name, `hoidap-${code}-q${named.id}.json`);
  assert.equal(file.body.delegate ?? null, null, 'an open event has no roster record');
  assert.deepEqual(file.body.questions.map((/** @type {any} */ q) => [q.id, q.name, q.unit]), [[named.id, 'Lê Thị Hồng', 'Đoàn xã Tân Hòa']]);

  // Refusals in words, next to the field.
  await page.locator('#person-question').fill(String(anonymous.id));
  await page.locator('#person-download').click();
  await page.locator('#person-error', { hasText: `Câu hỏi số ${anonymous.id} ẩn danh hoàn toàn` }).waitFor();
  await page.locator('#person-question').fill('99');
  await page.locator('#person-download').click();
  await page.locator('#person-error', { hasText: 'Không có câu hỏi số 99 trong hội nghị này.' }).waitFor();
  await page.locator('#person-question').fill('');
  await page.locator('#person-download').click();
  await page.locator('#person-error', { hasText: 'Nhập số của câu hỏi' }).waitFor();

  // Everyone at once.
  await page.locator('#detach-all').click();
  await page.locator('#dialog-title', { hasText: 'Gỡ mọi danh tính của hội nghị này?' }).waitFor();
  assert.match(await page.locator('#dialog-content').textContent() ?? '', /mọi câu hỏi.*Không thể hoàn tác\./s);
  await page.locator('#dialog-ok').click();
  await page.locator('#privacy-result', { hasText: 'Đã gỡ danh tính: 1 câu hỏi, 0 đại biểu' }).waitFor();
  await eventually(async () => {
    const now = await moderatorSnapshot(moderator, server.url, made);
    assert.deepEqual(now.questions.map((q) => [q.name ?? null, q.unit ?? null]), [[null, null], [null, null]]);
  });
  const exported = await adminCall(server, 'GET', `/api/events/${code}/export?format=json`);
  assert.equal(exported.status, 200);
  assert.ok(!JSON.stringify(exported.json).includes('Lê Thị Hồng'), 'the export holds no name');
  await page.locator('#report-heading').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(dir, 'admin-privacy-box.png') });
  // Nothing left: said so.
  await page.locator('#detach-all').click();
  await page.locator('#dialog-ok').click();
  await page.locator('#privacy-result', { hasText: 'Không còn danh tính nào để gỡ.' }).waitFor();

  const narrow = await browser.newContext({ ...PHONE, locale: 'vi-VN' });
  const small = await adminLogin(narrow, server);
  await small.goto(`${server.url}/admin#/e/${code}/info`);
  await small.locator('#person-form').scrollIntoViewIfNeeded();
  await small.screenshot({ path: join(dir, 'admin-privacy-box-phone.png') });

  assert.deepEqual(problems.filter((p) => !/status of 40[34]/.test(p)), []);
  await Promise.all([context, phoneContext, moderator, narrow].map((c) => c.close()));
});
