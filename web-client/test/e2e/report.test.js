// The meeting report (issue 12): questions in every state through the
// real server, the report opened by the organiser from the console and by
// the chair from the panel, printed to PDF by Chromium at A4 with a clock
// a month later (so a due date has passed), and the PDF's text read back:
// the title, the counts, a question answered live with its diacritics, the
// overdue one, the forwarded one with its authority, "1 / N", and English
// after the switch. A missing or wrong credential says so in words.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import {
  adminCall, adminLogin, createEvent, ensureScreenshotsDir, launchBrowser, pdfPages, startServer, watch,
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

const TITLE = 'Đối thoại giữa Chủ tịch UBND tỉnh với cán bộ, công chức trẻ năm 2026';
const LIVE = 'Đề nghị cho biết tiến độ giải phóng mặt bằng đường vành đai ở huyện Đông Anh?';
const LATE = 'Khi nào tỉnh ban hành quy định hỗ trợ nhà ở cho cán bộ trẻ?';
const LATER = 'Chế độ phụ cấp cho nhân viên y tế thôn bản có được điều chỉnh không?';
const FORWARDED = 'Đề nghị sửa chữa cầu treo bản Nà Hang đã xuống cấp nghiêm trọng.';
const ANSWERED = 'Tỉnh có kế hoạch tuyển dụng giáo viên mầm non trong năm tới không?';
const PENDING = 'Xin hỏi về chính sách thu hút người có tài năng vào khu vực công.';
const ANSWER = 'Năm 2027 tỉnh tuyển dụng 320 giáo viên mầm non cho các huyện miền núi.';
const AUTHORITY = 'Sở Giao thông vận tải';

/**
 * A WebSocket of the test's own, opened from a blank page of the server's
 * origin: the hello, then `act` sends a request and gives its ack or error.
 * @param {import('playwright-core').BrowserContext} context
 * @param {object} hello
 */
async function socket(context, hello) {
  const page = await context.newPage();
  await page.goto(`${server.url}/healthz`);
  const snapshot = await page.evaluate((h) => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    const w = /** @type {any} */ (window);
    w.answers = new Map();
    w.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify(h));
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data));
      if (m.type === 'snapshot') resolve(m.snapshot);
      if ((m.type === 'ack' || m.type === 'error') && m.id) w.answers.get(m.id)?.(m);
    };
    ws.onclose = (ev) => reject(new Error(`closed ${ev.code}`));
  }), hello);
  let n = 0;
  return {
    snapshot: /** @type {any} */ (snapshot),
    /** @param {object} action @returns {Promise<any>} */
    async act(action) {
      n += 1;
      const answer = await page.evaluate(({ id, a }) => new Promise((resolve) => {
        const w = /** @type {any} */ (window);
        w.answers.set(id, resolve);
        w.ws.send(JSON.stringify({ type: 'request', id, action: a }));
      }), { id: `e2e-${n}`, a: action });
      assert.equal(answer.type, 'ack', `${JSON.stringify(action)}: ${JSON.stringify(answer)}`);
      return answer;
    },
  };
}

/**
 * The text of a PDF, page by page, NFC, spaces collapsed.
 * @param {Buffer} pdf
 * @returns {Promise<string[]>}
 */
async function pdfText(pdf) {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: true, verbosity: 0 }).promise;
  const pages = [];
  for (let i = 1; i <= doc.numPages; i += 1) {
    const content = await (await doc.getPage(i)).getTextContent();
    const text = content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? ' ' : '') : '')).join('');
    pages.push(text.normalize('NFC').replace(/\s+/g, ' '));
  }
  await doc.destroy();
  return pages;
}

/**
 * The printed pages as images (96 dpi, what the PDF looks like: margins,
 * running head, page numbers), drawn by pdf.js on its Node canvas.
 * @param {Buffer} pdf
 * @param {string} prefix path without `-N.png`
 */
async function pdfImages(pdf, prefix) {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: true, verbosity: 0 }).promise;
  for (let i = 1; i <= doc.numPages; i += 1) {
    const page = await doc.getPage(i);
    const viewport = page.getViewport({ scale: 96 / 72 });
    const { canvas, context } = doc.canvasFactory.create(viewport.width, viewport.height);
    await page.render({ canvasContext: context, viewport, canvas }).promise;
    writeFileSync(`${prefix}-${i}.png`, canvas.toBuffer('image/png'));
  }
  await doc.destroy();
}

/** @param {string} link a personal link @returns {string} its secret */
const secretOf = (link) => decodeURIComponent(new URL(link).hash.slice(1));

/**
 * Prints the page as Chromium's "Save as PDF" would, at A4.
 * @param {import('playwright-core').Page} page
 */
const print = (page) => page.pdf({ format: 'A4', preferCSSPageSize: true });

test('the meeting report: counts, live answers, overdue and forwarded questions, printed at A4', async () => {
  const shots = ensureScreenshotsDir();
  const event = await createEvent(server, {
    title: TITLE, pre_moderation: true, identities: ['named', 'unit_only', 'hidden_from_hall', 'anonymous'],
  });
  const code = event.join_code;
  const admin = (/** @type {string} */ m, /** @type {string} */ p, /** @type {object} */ b) => adminCall(server, m, p, b);
  const quan = (await admin('POST', `/api/events/${code}/staff`, { name: 'Nguyễn Văn Quân', role: 'official' })).json;
  const chairMember = (await admin('POST', `/api/events/${code}/staff`, { name: 'Lê Minh Hải', role: 'chair' })).json;
  const patched = await admin('PATCH', `/api/events/${code}`, {
    topics: [{ name: 'Đất đai, tài nguyên', official: quan.id }, { name: 'Y tế, giáo dục' }],
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));

  const tools = await browser.newContext();
  const chair = await socket(tools, {
    type: 'hello', protocol: 1, join_code: code, role: 'moderator', secret: secretOf(chairMember.link),
  });
  const [land, health] = chair.snapshot.topics.map((/** @type {{id: number}} */ t) => t.id);
  /** @type {Record<string, number>} */
  const id = {};
  /** @type {Array<[string, object]>} */
  const asks = [
    [LIVE, { identity: 'named', name: 'Phạm Thu Hà', unit: 'Sở Tài nguyên và Môi trường' }],
    [LATE, { identity: 'unit_only', unit: 'UBND huyện Mỹ Đức' }],
    [LATER, { identity: 'named', name: 'Đỗ Văn Long', unit: 'Trung tâm Y tế huyện Ba Vì' }],
    [FORWARDED, { identity: 'anonymous' }],
    [ANSWERED, { identity: 'hidden_from_hall', name: 'Vũ Thị Lan', unit: 'Sở Giáo dục và Đào tạo' }],
    [PENDING, { identity: 'named', name: 'Hoàng Anh Tuấn', unit: 'Sở Nội vụ' }],
  ];
  // One attendee per question: an attendee may ask only so often.
  for (const [text, who] of asks) {
    const asker = await socket(tools, { type: 'hello', protocol: 1, join_code: code, role: 'attendee' });
    const ack = await asker.act({ type: 'ask', text, anonymous: false, ...who });
    id[text] = ack.question.id;
  }
  for (const text of [LIVE, LATE, LATER, FORWARDED, ANSWERED]) await chair.act({ type: 'approve', question: id[text] });
  await chair.act({ type: 'route', question: id[LIVE], topic: land, official: quan.id });
  await chair.act({ type: 'mark_answered', question: id[LIVE] });
  await chair.act({ type: 'route', question: id[LATE], topic: land, official: quan.id });
  await chair.act({ type: 'answer_in_writing', question: id[LATE], working_days: 1 });
  await chair.act({ type: 'route', question: id[LATER], topic: health, official: quan.id });
  await chair.act({ type: 'answer_in_writing', question: id[LATER], working_days: 60 });
  await chair.act({ type: 'forward', question: id[FORWARDED], authority: AUTHORITY });
  await chair.act({ type: 'route', question: id[ANSWERED], topic: health, official: quan.id });
  await chair.act({ type: 'answer_in_writing', question: id[ANSWERED], working_days: 5 });
  await chair.act({ type: 'draft_answer', question: id[ANSWERED], text: ANSWER });
  await chair.act({ type: 'publish_answer', question: id[ANSWERED], answer: 1 });

  // The organiser, from the console's event view, a month later: the
  // one-working-day promise is overdue, the sixty-day one is not.
  const later = Date.now() + 30 * 24 * 3600 * 1000;
  const office = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
  const consolePage = await adminLogin(office, server);
  const problems = [watch(consolePage, 'organiser')];
  await consolePage.clock.install({ time: later });
  await consolePage.goto(`${server.url}/admin#/e/${code}`);
  const reportLink = consolePage.locator('#report-open');
  await reportLink.waitFor();
  assert.equal(await reportLink.getAttribute('href'), `/report/${code}`, 'no secret in the report\'s address');
  await consolePage.locator('button[data-export="csv"]').waitFor();
  const download = consolePage.waitForEvent('download');
  await consolePage.locator('button[data-export="csv"]').click();
  assert.match((await download).suggestedFilename(), new RegExp(`^hoidap-${code}-\\d{8}\\.csv$`));
  const audit = consolePage.waitForEvent('download');
  await consolePage.locator('button[data-export="audit_csv"]').click();
  assert.match((await audit).suggestedFilename(), new RegExp(`^hoidap-${code}-\\d{8}-audit\\.csv$`));
  await consolePage.locator('#report-heading').locator('..').screenshot({ path: join(shots, 'report-console.png') });
  await reportLink.click();
  await consolePage.waitForURL(`${server.url}/report/${code}`);
  const page = consolePage;
  await page.locator('#report h1', { hasText: TITLE }).waitFor();
  assert.equal(await page.locator('#print').isEnabled(), true);

  const pdf = await print(page);
  writeFileSync(join(shots, 'report-vi.pdf'), pdf);
  await pdfImages(pdf, join(shots, 'report-pdf-vi'));
  const pages = await pdfText(pdf);
  const all = pages.join(' ');
  const n = pdfPages(pdf);
  assert.equal(pages.length, n);
  assert.ok(all.includes(TITLE), 'the title');
  assert.ok(all.includes('BÁO CÁO TỔNG HỢP CÂU HỎI'), all.slice(0, 300));
  assert.ok(all.includes('Tổng số câu hỏi: 6'), 'the total');
  // Counts by status, in the export's words.
  for (const [words, count] of [['Chờ duyệt', 1], ['Đã trả lời tại hội nghị', 1], ['Trả lời bằng văn bản', 2],
    ['Đã trả lời bằng văn bản', 1], ['Đã chuyển', 1]]) {
    assert.match(all, new RegExp(`${words} ${count}\\b`), `${words}: ${count}`);
  }
  assert.match(all, /Đất đai, tài nguyên 2\b/, 'by topic');
  assert.match(all, /Nguyễn Văn Quân 4\b/, 'by official');
  assert.match(all, /Sở Tài nguyên và Môi trường 1\b/, 'by unit');
  assert.ok(all.includes(LIVE), 'the question answered live, with its diacritics');
  assert.ok(all.includes('Phạm Thu Hà, Sở Tài nguyên và Môi trường'), 'its asker');
  assert.ok(all.includes(LATE) && all.includes(LATER), 'the written ones');
  assert.match(all, /Câu hỏi quá hạn trả lời [^#]{0,80}#\d+ Khi nào tỉnh/, 'the overdue one is listed');
  assert.match(all, /Quá hạn \d+ ngày/, 'and marked');
  const overdueList = all.slice(all.indexOf('Câu hỏi quá hạn trả lời'), all.indexOf('Câu hỏi đã chuyển cơ quan khác'));
  assert.ok(!overdueList.includes(LATER), 'the sixty-day one is not overdue');
  assert.ok(all.includes(FORWARDED) && all.includes(AUTHORITY), 'the forwarded one and to whom');
  assert.ok(all.includes('Ẩn danh hoàn toàn'), 'an anonymous asker by level only');
  assert.ok(all.includes(ANSWER) && all.includes('Trả lời lần 1 — Nguyễn Văn Quân'), 'the published written answer');
  assert.ok(all.includes('Ẩn danh với hội trường'), 'a question hidden from the hall says so');
  pages.forEach((text, i) => {
    assert.ok(text.includes(`${i + 1} / ${n}`), `page ${i + 1} numbered: ${text.slice(-120)}`);
    assert.ok(text.includes(TITLE.slice(0, 30)), `page ${i + 1} has the title at its top`);
  });
  assert.ok(!all.includes('In / Lưu PDF') && !all.includes('English'), 'no buttons in print');

  // Screenshots at A4 (96 dpi), as printed.
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: join(shots, 'report-a4-vi.png'), fullPage: true });

  // English.
  await page.emulateMedia({ media: 'screen' });
  await page.locator('.lang-switch').click();
  await page.locator('#report h2', { hasText: 'Questions answered at the meeting' }).waitFor();
  await page.emulateMedia({ media: 'print' });
  const enPdf = await print(page);
  await pdfImages(enPdf, join(shots, 'report-pdf-en'));
  const en = (await pdfText(enPdf)).join(' ');
  assert.ok(en.includes(TITLE), 'the title as it was given');
  for (const words of ['REPORT ON THE QUESTIONS', 'Questions in all: 6', 'Answered at the meeting 1', 'Overdue questions',
    'Forwarded to', AUTHORITY, 'Anonymous to everyone', LIVE]) {
    assert.ok(en.includes(words), `English: ${words}`);
  }
  assert.match(en, /Overdue by \d+ days/);
  await page.screenshot({ path: join(shots, 'report-a4-en.png'), fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  await page.locator('.lang-switch').click();

  // The chair, from the panel: a new tab, the secret in its fragment only
  // until the report has taken it.
  const laptop = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' });
  const panel = await laptop.newPage();
  problems.push(watch(panel, 'panel'));
  await panel.goto(chairMember.link);
  const link = panel.locator('#report-link');
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), `/report/${code}`, 'the link shows no secret');
  await panel.locator('header.topbar').screenshot({ path: join(shots, 'report-panel-link.png') });
  const opened = laptop.waitForEvent('page');
  await link.click();
  const chairReport = await opened;
  problems.push(watch(chairReport, 'chair report'));
  await chairReport.locator('#report h1', { hasText: TITLE }).waitFor();
  assert.equal(new URL(chairReport.url()).hash, '', 'the secret left the address bar');
  const chairText = (await pdfText(await print(chairReport))).join(' ');
  assert.ok(chairText.includes(LIVE) && chairText.includes('Tổng số câu hỏi: 6'));

  // A moderator who is not the chair cannot export: no link on their panel.
  const modMember = (await admin('POST', `/api/events/${code}/staff`, { name: 'Trần Thị Lan', role: 'moderator' })).json;
  const modPanel = await laptop.newPage();
  await modPanel.goto(modMember.link);
  await modPanel.locator('.role-name', { hasText: 'Trần Thị Lan' }).waitFor();
  assert.equal(await modPanel.locator('#report-link').isVisible(), false, 'no report link for a moderator');
  assert.equal(await panel.locator('#report-link').isVisible(), true, 'the chair\'s is still there');

  // No credential, then a wrong one: said in words, not a blank page.
  const stranger = await browser.newContext();
  const blank = await stranger.newPage();
  await blank.goto(`${server.url}/report/${code}`);
  await blank.locator('#error-msg', { hasText: 'Chưa có quyền xem báo cáo' }).waitFor();
  assert.equal(await blank.locator('#report').isHidden(), true);
  await blank.locator('#token').fill('not-the-token');
  await blank.locator('#token').press('Enter');
  await blank.locator('#error-msg', { hasText: 'Mã quản trị hoặc đường dẫn không đúng' }).waitFor();
  await blank.screenshot({ path: join(shots, 'report-refused.png') });
  const wrongLink = await stranger.newPage();
  await wrongLink.goto(`${server.url}/report/${code}#not-a-secret`);
  await wrongLink.locator('#error-msg', { hasText: 'Mã quản trị hoặc đường dẫn không đúng' }).waitFor();
  // An official is staff but not the chair: the report is not theirs.
  const officialPage = await stranger.newPage();
  await officialPage.goto(`${server.url}/report/${code}#${encodeURIComponent(secretOf(quan.link))}`);
  await officialPage.locator('#error-msg', { hasText: 'Chỉ ban tổ chức và chủ tọa' }).waitFor();

  assert.deepEqual(problems.flat(), []);
  await Promise.all([tools.close(), office.close(), laptop.close(), stranger.close()]);
});
