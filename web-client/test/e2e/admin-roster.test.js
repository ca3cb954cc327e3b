// A roster event made in the organiser console: 300 delegates imported
// from a CSV as Excel writes it, after a first file with two bad rows was
// refused with each row's line and reason; the cards printed 8 to an A4
// page; a chair and two moderators added; then a delegate claims a card
// on a phone and votes.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  VIEWPORTS, adminCall, adminLogin, ensureScreenshotsDir, eventually, launchBrowser, moderatorSnapshot, pdfPages,
  startServer, watch,
} from './harness.js';

const require = createRequire(import.meta.url);
const AXE = readFileSync(join(require.resolve('axe-core'), '..', 'axe.min.js'), 'utf8');

const HO = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng'];
const DEM = ['Văn', 'Thị', 'Minh', 'Thanh', 'Quốc', 'Ngọc'];
const TEN = ['An', 'Bình', 'Cường', 'Dũng', 'Hạnh'];
const UNITS = ['Sở Nội vụ', 'Sở Tài chính', 'Sở Giáo dục và Đào tạo', 'Sở Y tế', 'UBND huyện Tân Phước', 'Ban Tổ chức Tỉnh ủy'];
const POSITIONS = ['Giám đốc', 'Phó Giám đốc', 'Chủ tịch', 'Phó Chủ tịch', 'Trưởng ban', 'Phó Trưởng ban'];

/** 300 delegates, every name different. */
const DELEGATES = Array.from({ length: 300 }, (_, i) => ({
  name: `${HO[i % 10]} ${DEM[Math.floor(i / 10) % 6]} ${TEN[Math.floor(i / 60) % 5]}`,
  unit: UNITS[i % UNITS.length],
  position: POSITIONS[(i * 7) % POSITIONS.length],
}));

/**
 * A CSV as Excel saves "CSV UTF-8" in a Vietnamese locale: BOM, `;`, CRLF.
 * @param {Array<{name: string, unit: string, position: string}>} rows
 */
function csv(rows) {
  const lines = ['STT;Họ và tên;Đơn vị;Chức vụ', ...rows.map((r, i) => `${i + 1};${r.name};${r.unit};${r.position}`)];
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** The roster event the first test makes; the second uses it. */
let code = '';
/** The chair's personal secret: once there is named staff, the shared link no longer opens the panel. */
let chairSecret = '';

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
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return res.json;
}

/**
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {string[]} report
 */
async function axeScan(page, name, report) {
  await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    // @ts-ignore injected above
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((/** @type {any} */ v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(' ')).join(', ')}`);
  });
  report.push(...found.map((f) => `${name} ${f}`));
}

test('the organiser makes a roster event, imports 300 delegates after a file with two bad rows, prints the cards and adds the panel', async () => {
  const dir = ensureScreenshotsDir();
  const context = await browser.newContext({ ...VIEWPORTS.laptop, bypassCSP: true, locale: 'vi-VN' });
  const page = await adminLogin(context, server);
  const problems = watch(page, 'admin');
  /** @type {string[]} */
  const axeReport = [];

  await page.locator('#events-new').click();
  await page.locator('#f-title').fill('Hội nghị cán bộ chủ chốt tỉnh năm 2026');
  await page.locator('#f-mode-roster').check();
  await page.locator('#f-pre').uncheck();
  await page.locator('#form-submit').click();
  await page.locator('#ev-title', { hasText: 'Hội nghị cán bộ chủ chốt' }).waitFor();
  const [made] = await admin('/api/events');
  code = made.join_code;
  const detail = await admin(`/api/events/${code}`);
  assert.equal(detail.settings.roster, true);
  assert.equal(detail.settings.pre_moderation, false);
  await page.locator('#settings-list', { hasText: 'Theo danh sách đại biểu' }).waitFor();

  // Editing: the title and the settings.
  await page.locator('#ev-edit').click();
  await page.locator('#form-heading', { hasText: 'Sửa cài đặt hội nghị' }).waitFor();
  assert.equal(await page.locator('#f-mode-roster').isChecked(), true);
  await page.locator('#f-title').fill('Hội nghị cán bộ chủ chốt tỉnh năm 2026 (phiên chiều)');
  await page.locator('#f-max').fill('600');
  await page.locator('#f-id-unit_only').check();
  await page.locator('#form-submit').click();
  await page.locator('#settings-list', { hasText: '600' }).waitFor();
  await page.locator('#ev-title', { hasText: '(phiên chiều)' }).waitFor();
  const renamed = await admin(`/api/events/${code}`);
  assert.equal(renamed.title, 'Hội nghị cán bộ chủ chốt tỉnh năm 2026 (phiên chiều)');
  const edited = renamed.settings;
  assert.equal(edited.max_length, 600);
  assert.deepEqual(edited.identities, ['named', 'unit_only', 'hidden_from_hall']);
  assert.equal(edited.roster, true);

  // A first file with two bad rows: refused whole, each row by its line.
  await page.locator('#nav-roster').click();
  await page.locator('#roster-file').waitFor();
  // The sample to fill in, from the server.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#roster-template').click()]);
  assert.equal(download.suggestedFilename(), 'danh-sach-dai-bieu.csv');
  const sample = readFileSync(/** @type {string} */ (await download.path()), 'utf8');
  assert.match(sample, /^\uFEFFSTT;Họ và tên;Đơn vị;Chức vụ/);
  const bad = [...DELEGATES];
  bad.splice(50, 0, { name: '', unit: 'Sở Nội vụ', position: 'Chuyên viên' });
  bad.splice(200, 0, { name: 'Trần Văn Bảy', unit: 'Sở Tài\u202Echính', position: 'Chuyên viên' });
  await page.locator('#roster-file').setInputFiles({ name: 'dai-bieu.csv', mimeType: 'text/csv', buffer: csv(bad) });
  await page.locator('#roster-problem', { hasText: 'Có 2 dòng lỗi; chưa nhập dòng nào.' }).waitFor();
  // Excel's numbering: the header is line 1, the 51st row line 52.
  const rows = await page.locator('#roster-errors tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows, [
    ['52', 'Thiếu họ và tên.'],
    ['202', 'Đơn vị có ký tự không hợp lệ (U+202E).'],
  ]);
  assert.equal((await admin(`/api/events/${code}/roster`)).length, 0, 'nothing was imported');
  await axeScan(page, 'roster errors', axeReport);
  await page.screenshot({ path: join(dir, 'admin-roster-errors.png'), fullPage: true });

  // The corrected file: checked, then imported.
  await page.locator('#roster-file').setInputFiles({ name: 'dai-bieu.csv', mimeType: 'text/csv', buffer: csv(DELEGATES) });
  await page.locator('#roster-import', { hasText: 'Nhập 300 đại biểu' }).click();
  await page.locator('#roster-count', { hasText: '300 đại biểu' }).waitFor();
  assert.equal(await page.locator('#roster-body tr').count(), 300);
  const roster = await admin(`/api/events/${code}/roster`);
  assert.equal(roster.length, 300);
  assert.deepEqual(
    roster.slice(0, 2).map((/** @type {any} */ d) => [d.name, d.unit, d.position]),
    DELEGATES.slice(0, 2).map((d) => [d.name, d.unit, d.position]),
  );
  // Diacritics are optional when looking someone up.
  await page.locator('#roster-search').fill('pham ngoc hanh');
  await eventually(async () => assert.equal(await page.locator('#roster-body tr').count(), 1));
  assert.equal(await page.locator('#roster-body tr th').textContent(), 'Phạm Ngọc Hạnh');
  await page.locator('#roster-search').fill('');

  // A lost card: a new code, asked first.
  const lost = roster[299];
  await page.locator(`#roster-body tr[data-id="${lost.id}"] [data-action="reset"]`).click();
  await page.locator('#dialog-ok').click();
  await page.locator('#toast', { hasText: `Mã mới của ${lost.name}` }).waitFor();
  const renewed = (await admin(`/api/events/${code}/roster`)).find((/** @type {any} */ d) => d.id === lost.id);
  assert.notEqual(renewed.code, lost.code);
  await page.locator(`#roster-body tr[data-id="${lost.id}"]`, { hasText: renewed.code }).waitFor();
  // Its new card alone: search it, print what was found.
  await page.locator('#roster-search').fill(renewed.code.toLowerCase());
  await page.locator('#cards-open', { hasText: 'In thẻ của 1 đại biểu tìm được' }).click();
  await page.locator('#cards-count', { hasText: '1 thẻ trên 1 trang A4' }).waitFor();
  assert.equal(await page.locator('.dcard .dcard-code strong').textContent(), renewed.code);
  await page.locator('#cards-back').click();
  await page.locator('#roster-search').fill('');
  await axeScan(page, 'roster', axeReport);
  await page.screenshot({ path: join(dir, 'admin-roster.png') });

  // The cards: 8 to an A4 page, each with name, unit, position, QR and code.
  await page.locator('#cards-open').click();
  await page.locator('#cards-count', { hasText: '300 thẻ trên 38 trang A4' }).waitFor();
  assert.equal(await page.locator('.cards-sheet').count(), 38);
  assert.equal(await page.locator('.cards-sheet').first().locator('.dcard').count(), 8);
  const first = page.locator('.dcard').first();
  assert.equal(await first.locator('.dcard-name').textContent(), roster[0].name);
  assert.equal(await first.locator('.dcard-unit').textContent(), roster[0].unit);
  assert.equal(await first.locator('.dcard-position').textContent(), roster[0].position);
  assert.equal(await first.locator('.dcard-code strong').textContent(), roster[0].code);
  const side = roster[0].qr.size + 8;
  assert.equal(await first.locator('svg.card-qr').getAttribute('viewBox'), `0 0 ${side} ${side}`);
  await axeScan(page, 'cards', axeReport);
  await page.emulateMedia({ media: 'print' });
  await page.locator('.cards-sheet').first().screenshot({ path: join(dir, 'admin-cards-print.png') });
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  assert.equal(pdfPages(pdf), 38, '300 cards print on 38 A4 pages');
  await page.emulateMedia({ media: 'screen' });

  // The panel: a chair and two moderators.
  await page.goto(`${server.url}/admin#/e/${code}/staff`);
  await page.locator('#staff-add').waitFor();
  for (const [name, role] of [['Nguyễn Văn Chủ', 'chair'], ['Trần Thị Lan', 'moderator'], ['Lê Văn Hùng', 'moderator']]) {
    await page.locator('#staff-name').fill(name);
    await page.locator('#staff-role').selectOption(role);
    await page.locator('#staff-add-submit').click();
    await page.locator('#dialog[open] #personal-link').waitFor();
    if (role === 'chair') chairSecret = (await page.locator('#personal-link').inputValue()).split('#')[1];
    await page.locator('#dialog-ok').click();
    await page.locator('#dialog').waitFor({ state: 'hidden' });
  }
  const staff = await admin(`/api/events/${code}/staff`);
  assert.deepEqual(staff.map((/** @type {any} */ m) => m.role), ['chair', 'moderator', 'moderator']);

  if (axeReport.length) console.log(`axe findings:\n${axeReport.join('\n')}`);
  assert.deepEqual(axeReport.filter((line) => / (serious|critical) /.test(line)), []);
  // 422: the first file's dry run, refused on purpose.
  assert.deepEqual(problems.filter((p) => !/status of 422/.test(p)), []);
  await context.close();
});

test('a delegate claims a card on a phone and votes', async () => {
  assert.ok(code, 'the roster event exists');
  const roster = await admin(`/api/events/${code}/roster`);
  const [asker, voter] = roster;
  const phones = await Promise.all([0, 1].map(() => browser.newContext({ ...VIEWPORTS.phone, locale: 'vi-VN' })));
  const [a, b] = await Promise.all(phones.map((c) => c.newPage()));
  const problems = [...watch(a, 'asker'), ...watch(b, 'voter')];
  const question = 'Đề nghị cho biết lộ trình luân chuyển cán bộ về cơ sở giai đoạn 2026–2030?';

  // Scanning the card opens the link with the code in its fragment.
  await a.goto(asker.link);
  await a.locator('#delegate', { hasText: asker.name }).waitFor();
  assert.ok(!a.url().includes('#d='), 'the code left the address bar');
  await a.locator('#ask-open').click();
  await a.locator('#ask-text').fill(question);
  const named = a.locator('#identity-named');
  if (await named.isVisible()) await named.check();
  await a.locator('#ask-submit').click();
  await a.locator('#ask').waitFor({ state: 'hidden' });

  await b.goto(voter.link);
  await b.locator('#delegate', { hasText: voter.name }).waitFor();
  const item = b.locator('#queue-list li', { hasText: 'lộ trình luân chuyển' });
  await item.locator('.vote').click();

  const context = await browser.newContext();
  await eventually(async () => {
    const snap = await moderatorSnapshot(context, server.url, { join_code: code, moderator_secret: chairSecret });
    const q = snap.questions.find((x) => x.text === question);
    assert.equal(q?.votes, 1);
    assert.equal(q?.name, asker.name, 'asked under the roster name');
  });
  const claimed = await admin(`/api/events/${code}/roster`);
  assert.deepEqual(claimed.slice(0, 2).map((/** @type {any} */ d) => d.claimed), [true, true]);
  assert.deepEqual(problems, []);
  await Promise.all([...phones, context].map((c) => c.close()));
});
