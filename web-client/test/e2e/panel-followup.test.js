// After the question (issue 11) on the presiding panel: a question routed
// to an official with a reason, put in writing and its due date extended;
// another forwarded to an outside authority and answered from there; a
// duplicate merged and unmerged; the per-official view's counts; a
// question put on the screen from that view; "not satisfied" recorded by
// the chair; a screen setting toggled; both languages; axe; screenshots.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  VIEWPORTS, adminCall, createEvent, ensureScreenshotsDir, eventually, launchBrowser, moderatorSnapshot, startServer, watch,
} from './harness.js';

const require = createRequire(import.meta.url);
const AXE = readFileSync(join(require.resolve('axe-core'), '..', 'axe.min.js'), 'utf8');

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

const QUESTIONS = [
  'Đề nghị tỉnh cho biết tiến độ cấp giấy chứng nhận quyền sử dụng đất cho các hộ dân ở xã Tân Lập?',
  'Khi nào dự án xử lý rác thải tập trung của huyện được triển khai?',
  'Tỉnh có chính sách gì hỗ trợ nhân viên y tế cơ sở ở vùng sâu?',
  'Chính sách hỗ trợ nhân viên y tế tuyến xã vùng sâu, vùng xa thế nào?',
];

/**
 * Attendees ask over WebSockets (the form is the attendee tests' job), one
 * participant per question, waiting out a rate limit with the same id;
 * resolves with the new questions' ids, in order.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} code
 * @param {string[]} questions
 * @returns {Promise<number[]>}
 */
async function askOverSocket(context, code, questions) {
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}/healthz`);
    /** @type {number[]} */
    const ids = [];
    for (const text of questions) {
      ids.push(await page.evaluate(({ code, text }) => new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/ws`);
        const send = () => ws.send(JSON.stringify({
          type: 'request', id: 'ask',
          action: { type: 'ask', text, name: 'Lê Văn Bình', unit: 'Sở Y tế', anonymous: false, identity: 'named' },
        }));
        ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', protocol: 1, join_code: code, role: 'attendee' }));
        ws.onmessage = (ev) => {
          const msg = JSON.parse(String(ev.data));
          if (msg.type === 'snapshot') send();
          else if (msg.type === 'ack' && msg.question) { ws.close(); resolve(msg.question.id); }
          else if (msg.type === 'error' && msg.code === 'rate_limited') setTimeout(send, msg.retry_after_ms ?? 500);
          else if (msg.type === 'error') reject(new Error(`${msg.code}: ${msg.message}`));
        };
        setTimeout(() => reject(new Error('no ack')), 15000);
      }), { code, text }));
    }
    return ids;
  } finally {
    await page.close();
  }
}

/**
 * @param {import('playwright-core').Page} page
 * @param {string[]} report
 * @param {string} name
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

/** @param {string} iso YYYY-MM-DD */
const ddmmyyyy = (iso) => iso.split('-').reverse().join('/');

test('the secretariat routes, puts in writing, extends, forwards, merges and counts per official', async () => {
  const dir = ensureScreenshotsDir();
  const event = await createEvent(server, { title: 'Đối thoại giữa lãnh đạo tỉnh với các sở, ngành', pre_moderation: false });
  const code = event.join_code;
  const admin = (/** @type {string} */ m, /** @type {string} */ p, /** @type {object} */ b) => adminCall(server, m, p, b);
  const hung = (await admin('POST', `/api/events/${code}/staff`, { name: 'Nguyễn Văn Hùng', role: 'official' })).json;
  const mai = (await admin('POST', `/api/events/${code}/staff`, { name: 'Trần Thị Mai', role: 'official' })).json;
  const patched = await admin('PATCH', `/api/events/${code}`, {
    asker_routes: true,
    topics: [{ name: 'Đất đai', official: hung.id }, { name: 'Y tế', official: mai.id }, { name: 'Môi trường' }],
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));

  const people = await browser.newContext();
  const [q1, q2, q3, q4] = await askOverSocket(people, code, QUESTIONS);

  const context = await browser.newContext({ ...VIEWPORTS.laptop, locale: 'vi-VN', bypassCSP: true });
  const page = await context.newPage();
  const problems = watch(page, 'panel');
  await page.goto(event.links.moderator);
  await page.click('#f-all');
  const item = (/** @type {number} */ id) => page.locator(`#list li.mq[data-id="${id}"]`);
  const form = (/** @type {number} */ id, /** @type {string} */ kind) => item(id).locator(`form[data-fu="${kind}"]`);
  const open = async (/** @type {number} */ id) => {
    const details = item(id).locator('details.fu-more');
    if (!(await details.evaluate((d) => /** @type {HTMLDetailsElement} */ (d).open))) await details.locator('summary').click();
  };
  await item(q4).waitFor();

  // 1. Route the first question to an official, with the reason.
  await open(q1);
  await form(q1, 'route').getByLabel('Lĩnh vực').selectOption({ label: 'Đất đai' });
  await form(q1, 'route').getByLabel('Kính gửi').selectOption({ label: 'Nguyễn Văn Hùng' });
  await form(q1, 'route').getByLabel('Lý do (không bắt buộc)').fill('Thuộc thẩm quyền quản lý đất đai');
  await form(q1, 'route').getByRole('button', { name: 'Phân công' }).click();
  await item(q1).locator('.fu-official', { hasText: 'Kính gửi: Nguyễn Văn Hùng' }).waitFor();
  await item(q1).locator('.fu-topic', { hasText: 'Lĩnh vực: Đất đai' }).waitFor();
  await item(q1).locator('.fu-history li', { hasText: 'lý do: Thuộc thẩm quyền quản lý đất đai' }).waitFor();

  // 2. In writing, 10 working days by default; the due date as dd/mm/yyyy.
  assert.equal(await form(q1, 'in_writing').getByLabel('Số ngày làm việc').inputValue(), '10');
  await form(q1, 'in_writing').getByRole('button', { name: 'Giao trả lời bằng văn bản' }).click();
  await item(q1).locator('.mq-status', { hasText: 'Trả lời bằng văn bản' }).waitFor();
  let snap = await moderatorSnapshot(people, server.url, event);
  const due1 = /** @type {string} */ (snap.questions.find((q) => q.id === q1)?.due);
  assert.match(due1, /^\d{4}-\d{2}-\d{2}$/);
  await item(q1).locator('.fu-due', { hasText: `Hạn trả lời: ${ddmmyyyy(due1)}` }).waitFor();
  // Only a live question can go on the screen: shown, disabled.
  assert.equal(await item(q1).locator('.act-set_current').isDisabled(), true);

  // 3. Extend: the reason is required (the browser keeps the form until it is given).
  await form(q1, 'extend_due').getByLabel('Thêm số ngày làm việc').fill('5');
  await form(q1, 'extend_due').getByRole('button', { name: 'Gia hạn' }).click();
  assert.equal(await form(q1, 'extend_due').getByLabel('Lý do (bắt buộc)').evaluate((i) => /** @type {HTMLInputElement} */ (i).validity.valueMissing), true);
  await form(q1, 'extend_due').getByLabel('Lý do (bắt buộc)').fill('Cần lấy ý kiến của các sở liên quan');
  await form(q1, 'extend_due').getByRole('button', { name: 'Gia hạn' }).click();
  await item(q1).locator('.fu-history li', { hasText: 'Gia hạn' }).waitFor();
  snap = await moderatorSnapshot(people, server.url, event);
  const due2 = /** @type {string} */ (snap.questions.find((q) => q.id === q1)?.due);
  assert.ok(due2 > due1, `${due2} after ${due1}`);
  await item(q1).locator('.fu-due', { hasText: ddmmyyyy(due2) }).waitFor();

  // 4. Forward the second to a named authority, and record its answer.
  await open(q2);
  // Typed with a Telex composition open while an update arrives: the text
  // and the focus stay; Enter, once the word is composed, sends the form.
  const authority = form(q2, 'forward').getByLabel('Tên cơ quan nhận (bắt buộc)');
  await authority.pressSequentially('Công ty Môi trường đô th');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Input.imeSetComposition', { text: 'i', selectionStart: 1, selectionEnd: 1 });
  await admin('PATCH', `/api/events/${code}`, { title: 'Đối thoại giữa lãnh đạo tỉnh với các sở, ngành năm 2026' });
  await page.locator('#title', { hasText: 'năm 2026' }).waitFor();
  await cdp.send('Input.imeSetComposition', { text: 'ị', selectionStart: 1, selectionEnd: 1 });
  await cdp.send('Input.insertText', { text: 'ị' });
  assert.equal(await authority.inputValue(), 'Công ty Môi trường đô thị');
  assert.equal(await authority.evaluate((i) => document.activeElement === i), true, 'focus stayed in the field');
  await authority.press('Enter');
  await item(q2).locator('.mq-status', { hasText: 'Đã chuyển cơ quan khác' }).waitFor();
  await item(q2).locator('.fu-authority', { hasText: 'Chuyển đến: Công ty Môi trường đô thị' }).waitFor();
  await form(q2, 'draft_answer').locator('textarea').fill('Dự án khởi công trong quý II năm tới.');
  await form(q2, 'draft_answer').getByRole('button', { name: 'Lưu bản nháp' }).click();
  await item(q2).locator('.fu-answer.draft', { hasText: 'Dự án khởi công' }).waitFor();
  await item(q2).locator('.fu-answer.draft').getByRole('button', { name: 'Công bố' }).click();
  await item(q2).locator('.mq-status', { hasText: 'Đã trả lời bằng văn bản' }).waitFor();

  // 5. Merge the duplicate into the earlier question, then take it back.
  await open(q4);
  await form(q4, 'merge').getByLabel('Gộp vào câu số').fill(String(q3));
  await form(q4, 'merge').getByRole('button', { name: 'Gộp' }).click();
  await item(q4).locator('.fu-merge', { hasText: `Đã gộp vào câu #${q3}` }).waitFor();
  await item(q3).locator('.fu-merge', { hasText: `#${q4}` }).waitFor();
  snap = await moderatorSnapshot(people, server.url, event);
  assert.equal(snap.questions.find((q) => q.id === q4)?.merged_into, q3);
  await page.screenshot({ path: join(dir, 'panel-followup-laptop.png'), fullPage: true });
  await item(q4).getByRole('button', { name: `Tách ra khỏi câu #${q3}` }).click();
  await item(q4).locator('.fu-merge').waitFor({ state: 'detached' });
  snap = await moderatorSnapshot(people, server.url, event);
  assert.equal(snap.questions.find((q) => q.id === q4)?.merged_into, undefined);

  // 6. The view per official: live counts, and selecting one filters the queue.
  const group = (/** @type {string} */ name) => page.locator('#off-groups button', { hasText: name });
  // By bucket, each also checked to say its name.
  const BUCKET = { 'Chờ trả lời': 'live', 'Đang chiếu': 'current', 'Trả lời bằng văn bản': 'in_writing',
    'Đã trả lời bằng văn bản': 'answered_in_writing', 'Chưa thỏa đáng': 'not_satisfied', 'Quá hạn': 'overdue' };
  const state = (/** @type {keyof typeof BUCKET} */ name) =>
    page.locator(`#off-states button[data-bucket="${BUCKET[name]}"]`, { hasText: name });
  await group('Nguyễn Văn Hùng').click();
  await eventually(async () => assert.equal(await state('Trả lời bằng văn bản').locator('.count').textContent(), '1'));
  assert.equal(await state('Quá hạn').locator('.count').textContent(), '0');
  assert.deepEqual(await page.locator('#list li.mq').evaluateAll((n) => n.map((x) => Number(/** @type {HTMLElement} */ (x).dataset.id))), [q1]);
  await group('Cơ quan khác').click();
  await eventually(async () => assert.equal(await state('Đã trả lời bằng văn bản').locator('.count').textContent(), '1'));
  await group('Chưa phân công').click();
  await eventually(async () => assert.equal(await state('Chờ trả lời').locator('.count').textContent(), '2'));
  // One action puts a question on the screen.
  await item(q3).getByRole('button', { name: /Chọn trả lời/ }).click();
  await page.locator('#now-text', { hasText: QUESTIONS[2] }).waitFor();
  await eventually(async () => assert.equal(await state('Đang chiếu').locator('.count').textContent(), '1'));
  await state('Đang chiếu').click();
  assert.deepEqual(await page.locator('#list li.mq').evaluateAll((n) => n.map((x) => Number(/** @type {HTMLElement} */ (x).dataset.id))), [q3]);

  // 7. Answered live, then the chair records that the asker is not satisfied.
  await page.click('#now-done');
  await state('Đang chiếu').click();
  await open(q3);
  await form(q3, 'not_satisfied').getByLabel('Lý do (bắt buộc)').fill('Chưa nêu rõ mức hỗ trợ');
  await form(q3, 'not_satisfied').getByRole('button', { name: 'Ghi nhận chưa thỏa đáng' }).click();
  await item(q3).locator('.mq-status', { hasText: 'Chưa thỏa đáng' }).waitFor();
  await eventually(async () => assert.equal(await state('Chưa thỏa đáng').locator('.count').textContent(), '1'));
  await group('Tất cả').click();

  // 8. A topic added in the small editor, with the official who answers it.
  await page.locator('.topics summary').click();
  await page.click('#topics-add');
  await page.getByLabel('Tên lĩnh vực 4').fill('Giáo dục');
  await page.getByLabel('Người trả lời lĩnh vực 4').selectOption({ label: 'Trần Thị Mai' });
  await page.getByRole('button', { name: 'Lưu lĩnh vực' }).click();
  await eventually(async () => {
    snap = await moderatorSnapshot(people, server.url, event);
    assert.deepEqual(snap.topics.map((t) => [t.name, t.official ?? null]),
      [['Đất đai', hung.id], ['Y tế', mai.id], ['Môi trường', null], ['Giáo dục', mai.id]]);
  });
  await open(q1);
  await form(q1, 'route').getByLabel('Lĩnh vực').locator('option', { hasText: 'Giáo dục' }).waitFor({ state: 'attached' });

  // The event's asker_routes (set through the admin API) shows, and turns off from here.
  assert.equal(await page.locator('#set-asker-routes').isChecked(), true);
  await page.locator('#set-asker-routes').uncheck();
  await eventually(async () => {
    snap = await moderatorSnapshot(people, server.url, event);
    assert.equal(snap.settings.asker_routes, false);
  });

  // 9. The screen: the topic and "Kính gửi" line on.
  assert.equal(await page.getByLabel('Lĩnh vực và dòng “Kính gửi”').isChecked(), false);
  await page.getByLabel('Lĩnh vực và dòng “Kính gửi”').check();
  await eventually(async () => {
    snap = await moderatorSnapshot(people, server.url, event);
    assert.equal(snap.settings.screen.routing, true);
  });
  assert.equal(await page.getByLabel('Lĩnh vực và dòng “Kính gửi”').isChecked(), true);

  // 10. Axe on the working panel, a disclosure open; English too.
  /** @type {string[]} */
  const report = [];
  await axeScan(page, 'panel vi', report);
  await page.screenshot({ path: join(dir, 'panel-followup-laptop-2.png'), fullPage: true });
  await page.click('.lang-switch');
  await item(q1).locator('.mq-status', { hasText: 'To answer in writing' }).waitFor();
  await item(q1).locator('summary', { hasText: 'Follow-up' }).waitFor();
  await page.locator('#off-groups button', { hasText: 'Outside authorities' }).waitFor();
  await axeScan(page, 'panel en', report);
  await page.click('.lang-switch');
  if (report.length) console.log(`axe findings:\n${report.join('\n')}`);
  assert.deepEqual(report.filter((line) => / (serious|critical) /.test(line)), []);

  // 11. A phone-sized panel, the same state.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'vi-VN' });
  const small = await phone.newPage();
  const smallProblems = watch(small, 'panel phone');
  await small.goto(event.links.moderator);
  await small.click('#f-all');
  await small.locator(`#list li.mq[data-id="${q1}"] .fu-due`).waitFor();
  await small.screenshot({ path: join(dir, 'panel-followup-phone-top.png') });
  await small.locator(`#list li.mq[data-id="${q1}"] details.fu-more summary`).click();
  await small.screenshot({ path: join(dir, 'panel-followup-phone.png'), fullPage: true });

  assert.deepEqual([...problems, ...smallProblems], []);
  await Promise.all([phone.close(), context.close(), people.close()]);
});

test('a probable duplicate, as the server suggests it, is offered on the item and merged in one click', async () => {
  const event = await createEvent(server, { title: 'Đối thoại về y tế cơ sở', pre_moderation: false });
  const people = await browser.newContext();
  // The same question typed again without diacritics, as phones often send it.
  const [first, repeat] = await askOverSocket(people, event.join_code,
    ['Thời điểm đánh giá, xếp loại cán bộ năm 2025 là khi nào?', 'Thoi diem danh gia, xep loai can bo nam 2025 la khi nao?']);
  const context = await browser.newContext({ ...VIEWPORTS.laptop, locale: 'vi-VN' });
  const page = await context.newPage();
  const problems = watch(page, 'panel');
  await page.goto(event.links.moderator);
  const item = page.locator(`#list li.mq[data-id="${repeat}"]`);
  await item.locator('.fu-similar', { hasText: `Có thể trùng câu #${first}` }).waitFor();
  await item.screenshot({ path: join(ensureScreenshotsDir(), 'panel-similar-laptop.png') });
  await item.getByRole('button', { name: `Gộp vào #${first}` }).click();
  await item.locator('.fu-merge', { hasText: `Đã gộp vào câu #${first}` }).waitFor();
  assert.equal(await item.locator('.fu-similar').count(), 0, 'no suggestion once merged');
  const snap = await moderatorSnapshot(people, server.url, event);
  assert.equal(snap.questions.find((q) => q.id === repeat)?.merged_into, first);
  assert.deepEqual(snap.questions.find((q) => q.id === first)?.merged, [repeat]);
  assert.deepEqual(problems, []);
  await Promise.all([context.close(), people.close()]);
});
