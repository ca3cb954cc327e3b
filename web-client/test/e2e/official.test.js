// The official's own page (/o/CODE#SECRET, issue 11): two officials and a
// clerk; questions asked and routed to each; an official sees only theirs;
// the clerk drafts, the official edits and publishes, the clerk cannot
// publish; an asker who is not satisfied sends it back to the top of the
// official's page with the reason, and the official answers again.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  adminCall, createEvent, ensureScreenshotsDir, eventually, launchBrowser, startServer, texts, watch,
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

const AXE = readFileSync(join(createRequire(import.meta.url).resolve('axe-core'), '..', 'axe.min.js'), 'utf8');

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'vi-VN' };
const LAPTOP = { viewport: { width: 1366, height: 768 }, locale: 'vi-VN' };

/**
 * A WebSocket of the test's own, opened from a blank page of the server's
 * origin: the hello, then `act` sends a request and gives its ack or error.
 * @param {import('playwright-core').BrowserContext} context
 * @param {object} hello
 */
async function socket(context, hello) {
  const page = await context.newPage();
  await page.goto(`${server.url}/healthz`);
  const { welcome, snapshot } = await page.evaluate((h) => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    const w = /** @type {any} */ (window);
    w.answers = new Map();
    w.ws = ws;
    let welcomed = null;
    ws.onopen = () => ws.send(JSON.stringify(h));
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data));
      if (m.type === 'welcome') welcomed = m;
      if (m.type === 'snapshot') resolve({ welcome: welcomed, snapshot: m.snapshot });
      if ((m.type === 'ack' || m.type === 'error') && m.id) w.answers.get(m.id)?.(m);
    };
    ws.onclose = (ev) => reject(new Error(`closed ${ev.code}`));
  }), hello);
  let n = 0;
  return {
    welcome,
    snapshot,
    /** @param {object} action @returns {Promise<any>} */
    act(action) {
      n += 1;
      return page.evaluate(({ id, a }) => new Promise((resolve) => {
        const w = /** @type {any} */ (window);
        w.answers.set(id, resolve);
        w.ws.send(JSON.stringify({ type: 'request', id, action: a }));
      }), { id: `e2e-${n}`, a: action });
    },
  };
}

/** @param {string} link a personal /o/ link @returns {string} its secret */
const secretOf = (link) => decodeURIComponent(new URL(link).hash.slice(1));

/** @param {import('playwright-core').Page} page @param {string} text */
const card = (page, text) => page.locator('li.oq').filter({ has: page.locator('.q-text', { hasText: text }) });

test('officials answer in writing: only their own questions, a clerk\'s draft, publishing, answering again', async () => {
  const shots = ensureScreenshotsDir();
  const event = await createEvent(server, { title: 'Đối thoại giữa Chủ tịch UBND tỉnh với lãnh đạo các sở, ngành', pre_moderation: false });
  const code = event.join_code;
  const admin = (/** @type {string} */ m, /** @type {string} */ p, /** @type {object} */ b) => adminCall(server, m, p, b);
  const a = (await admin('POST', `/api/events/${code}/staff`, { name: 'Nguyễn Văn An', role: 'official' })).json;
  const b = (await admin('POST', `/api/events/${code}/staff`, { name: 'Trần Minh Bảo', role: 'official' })).json;
  const clerkMember = (await admin('POST', `/api/events/${code}/staff`, { name: 'Lê Thị Cúc', role: 'clerk' })).json;
  assert.match(a.link, /\/o\//);
  const patched = await admin('PATCH', `/api/events/${code}`, {
    topics: [{ name: 'Đất đai, tài nguyên', official: a.id }, { name: 'Giáo dục và đào tạo', official: b.id }],
  });
  assert.equal(patched.status, 200);

  const tools = await browser.newContext();
  const chair = await socket(tools, { type: 'hello', protocol: 1, join_code: code, role: 'moderator', secret: event.moderator_secret });
  const q1 = 'Tiến độ cấp giấy chứng nhận quyền sử dụng đất tại huyện Mỹ Đức còn chậm, đề nghị cho biết giải pháp?';
  const q2 = 'Việc thu hồi đất dự án khu công nghiệp phía Bắc khi nào hoàn thành?';
  const q3 = 'Đề nghị bổ sung giáo viên tiếng Anh cho các trường tiểu học vùng khó khăn.';
  const q4 = 'Kế hoạch đầu tư hạ tầng số cho các xã trong năm tới như thế nào?';
  const ids = [];
  // One attendee per question: an attendee may ask only so often.
  const askers = [];
  for (const text of [q1, q2, q3, q4]) {
    const asker = await socket(tools, { type: 'hello', protocol: 1, join_code: code, role: 'attendee' });
    askers.push(asker);
    const ack = await asker.act({ type: 'ask', text, name: 'Phạm Thu Hà', unit: 'Sở Tài nguyên và Môi trường', anonymous: false, identity: 'named' });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    ids.push(ack.question.id);
  }
  // q1, q2 to An in writing; q3 to Bảo in writing; q4 to An, still live.
  const [land, school] = chair.snapshot.topics.map((/** @type {{id: number}} */ t) => t.id);
  for (const [i, official, topic] of [[0, a.id, land], [1, a.id, land], [2, b.id, school], [3, a.id, undefined]]) {
    const routed = await chair.act({ type: 'route', question: ids[i], official, topic });
    assert.equal(routed.type, 'ack', JSON.stringify(routed));
  }
  for (const [i, days] of [[0, 5], [1, 10], [2, 5]]) {
    const ack = await chair.act({ type: 'answer_in_writing', question: ids[i], working_days: days });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
  }

  // Official An, on a phone: only An's questions, the sooner due first; the live one below.
  const phone = await browser.newContext(PHONE);
  const an = await phone.newPage();
  const anProblems = watch(an, 'official An');
  await an.goto(a.link);
  await an.locator('#who', { hasText: 'Nguyễn Văn An · Người trả lời' }).waitFor();
  assert.equal(new URL(an.url()).hash, '', 'the secret leaves the address bar');
  await eventually(async () => assert.deepEqual(await texts(an, '#todo .q-text'), [q1, q2]));
  assert.deepEqual(await texts(an, '#meeting .q-text'), [q4]);
  assert.equal(await an.locator('li.oq', { hasText: 'giáo viên' }).count(), 0, 'Bảo\'s question is not on An\'s page');
  assert.equal(await an.locator('#n-todo').textContent(), '2');
  assert.equal(await an.locator('#n-overdue').textContent(), '0');
  assert.match(await card(an, q1).locator('.oq-due').textContent() ?? '', /^Hạn trả lời: \d\d\/\d\d\/\d{4}$/);
  assert.equal(await card(an, q1).locator('.oq-topic').textContent(), 'Đất đai, tài nguyên');
  assert.match(await card(an, q1).locator('.oq-who').textContent() ?? '', /Phạm Thu Hà · Sở Tài nguyên và Môi trường/);
  assert.equal(await an.locator('#filter-row').isHidden(), true);
  await an.screenshot({ path: join(shots, 'official-phone-list.png'), fullPage: true });

  // The clerk, on a laptop: every official's questions, a filter, no publish button.
  const laptop = await browser.newContext(LAPTOP);
  const clerk = await laptop.newPage();
  const clerkProblems = watch(clerk, 'clerk');
  await clerk.goto(clerkMember.link);
  await clerk.locator('#who', { hasText: 'Lê Thị Cúc · Thư ký' }).waitFor();
  await eventually(async () => assert.equal(await clerk.locator('#todo li.oq').count(), 3));
  await clerk.locator('#clerk-note').waitFor();
  await clerk.selectOption('#filter', b.id);
  await eventually(async () => assert.deepEqual(await texts(clerk, '#todo .q-text'), [q3]));
  await clerk.selectOption('#filter', a.id);
  await eventually(async () => assert.deepEqual(await texts(clerk, '#todo .q-text'), [q1, q2]));
  const clerkCard = card(clerk, q1);
  assert.equal(await clerkCard.locator('[data-action="publish"]').isHidden(), true);
  await clerkCard.locator('.oq-no-publish').waitFor();
  assert.equal(await clerkCard.locator('.oq-to').textContent(), 'Kính gửi: Nguyễn Văn An');
  const draft = 'Kính gửi đồng chí Phạm Thu Hà, UBND tỉnh đã chỉ đạo Sở Tài nguyên và Môi trường rà soát hồ sơ tồn đọng.';
  await clerkCard.locator('textarea').pressSequentially(draft.slice(0, 30));
  await clerkCard.locator('textarea').fill(draft);
  await eventually(async () => assert.match(await clerkCard.locator('.oq-counter').textContent() ?? '', new RegExp(`^${[...draft].length}/4000`)));
  await clerkCard.locator('[data-action="save"]').click();
  await clerkCard.locator('.oq-draft', { hasText: 'người soạn: Lê Thị Cúc' }).waitFor();
  await clerk.screenshot({ path: join(shots, 'official-clerk-laptop.png'), fullPage: true });

  // The server refuses a clerk's publication, whatever the page shows.
  const clerkSocket = await socket(tools, { type: 'hello', protocol: 1, join_code: code, role: 'moderator', secret: secretOf(clerkMember.link) });
  assert.equal(clerkSocket.welcome.staff.role, 'clerk');
  const refused = await clerkSocket.act({ type: 'publish_answer', question: ids[0], answer: 1 });
  assert.equal(refused.type, 'error');
  assert.equal(refused.code, 'forbidden');

  // An sees the clerk's draft, edits it, and publishes after the confirmation.
  const anCard = card(an, q1);
  await eventually(async () => assert.equal(await anCard.locator('textarea').inputValue(), draft));
  await anCard.locator('.oq-draft', { hasText: 'Lê Thị Cúc' }).waitFor();
  const final = `${draft} Dự kiến hoàn thành cấp giấy trong quý I năm tới.`;
  await anCard.locator('textarea').fill(final);
  await anCard.locator('.oq-draft', { hasText: 'Có thay đổi chưa lưu' }).waitFor();
  await anCard.locator('[data-action="publish"]').click();
  await an.locator('#confirm-body', { hasText: 'ký tên Nguyễn Văn An' }).waitFor();
  await an.screenshot({ path: join(shots, 'official-phone-confirm.png') });
  await an.locator('#confirm button[value="ok"]').click();
  await eventually(async () => assert.deepEqual(await texts(an, '#done .q-text'), [q1]), 5_000);
  await eventually(async () => assert.equal(await card(an, q1).locator('.oq-status').textContent(), 'Đã trả lời bằng văn bản'));
  assert.deepEqual(await texts(an, '#done .oq-answer-text'), [final]);
  assert.match(await an.locator('#done .oq-answer-head').first().textContent() ?? '', /^Trả lời lần 1 · Nguyễn Văn An · /);
  assert.equal(await an.locator('#n-todo').textContent(), '1');
  assert.equal(await an.locator('#n-done').textContent(), '1');

  // The asker is not satisfied: back at the top of An's page with the reason.
  const reason = 'Chưa nêu rõ thời hạn hoàn thành cho từng xã.';
  const back = await askers[0].act({ type: 'not_satisfied', question: ids[0], reason });
  assert.equal(back.type, 'ack', JSON.stringify(back));
  await eventually(async () => assert.deepEqual(await texts(an, '#todo .q-text'), [q1, q2]));
  const again = card(an, q1);
  assert.equal(await again.locator('.oq-reason-text').textContent(), reason);
  assert.equal(await again.locator('.oq-status').textContent(), 'Người hỏi chưa hài lòng');
  assert.equal(await again.locator('.oq-label').textContent(), 'Trả lời lại');
  assert.deepEqual(await texts(an, '#todo .oq-answer-text'), [final], 'the earlier answer stays in view');
  await an.screenshot({ path: join(shots, 'official-phone-not-satisfied.png'), fullPage: true });

  // An answers again, typing key by key; the clerk's page follows.
  const second = 'Bổ sung: các xã hoàn thành trước ngày 31/3; danh sách cụ thể gửi kèm.';
  await again.locator('textarea').pressSequentially(second);
  await again.locator('[data-action="save"]').click();
  await again.locator('.oq-draft', { hasText: 'người soạn: Nguyễn Văn An' }).waitFor();
  await again.locator('[data-action="publish"]').click();
  await an.locator('#confirm button[value="ok"]').click();
  await eventually(async () => assert.deepEqual(await texts(an, '#done .oq-answer-text'), [final, second]));
  await eventually(async () => assert.deepEqual(await texts(clerk, '#done .oq-answer-text'), [final, second]));
  await an.waitForTimeout(400);
  await an.screenshot({ path: join(shots, 'official-phone-answered.png'), fullPage: true });

  // A refusal says what it is: a too-long answer is stopped before it leaves.
  const long = card(an, q2);
  await long.locator('textarea').fill('dài '.repeat(1001));
  assert.equal(await long.locator('[data-action="save"]').isDisabled(), true);
  await eventually(async () => assert.match(await long.locator('.oq-counter').textContent() ?? '', /^4004\/4000/));

  // English, and the page survives a reload with the draft from the server.
  await an.locator('.lang-switch').click();
  await an.locator('#todo-heading', { hasText: 'To answer' }).waitFor();
  await long.locator('textarea').fill('Sẽ trả lời sau khi có báo cáo của Ban quản lý.');
  await long.locator('[data-action="save"]').click();
  await long.locator('.oq-draft', { hasText: 'Draft saved at' }).waitFor();
  assert.equal(await card(an, q1).locator('.oq-status').textContent(), 'Answered in writing');
  await an.screenshot({ path: join(shots, 'official-phone-english.png') });
  await an.reload();
  await eventually(async () => assert.equal(await card(an, q2).locator('textarea').inputValue(), 'Sẽ trả lời sau khi có báo cáo của Ban quản lý.'));
  await an.locator('.lang-switch').click();

  // Typing Vietnamese with an IME (Telex: "chir" composes "chỉ") while a
  // new question arrives: the field keeps its letter and its focus, the
  // card does not move under the cursor, and the list reorders after.
  const field = card(an, q2).locator('textarea');
  await field.fill('');
  await field.click();
  await an.keyboard.type('Đã ch');
  const cdp = await phone.newCDPSession(an);
  await cdp.send('Input.imeSetComposition', { text: 'i', selectionStart: 1, selectionEnd: 1 });
  await cdp.send('Input.imeSetComposition', { text: 'ỉ', selectionStart: 1, selectionEnd: 1 });
  const q5 = 'Đề nghị sớm giải quyết kiến nghị về bồi thường giải phóng mặt bằng đường vành đai.';
  const late = await socket(tools, { type: 'hello', protocol: 1, join_code: code, role: 'attendee' });
  const asked5 = await late.act({ type: 'ask', text: q5, anonymous: true, identity: 'hidden_from_hall' });
  assert.equal(asked5.type, 'ack', JSON.stringify(asked5));
  assert.equal((await chair.act({ type: 'route', question: asked5.question.id, official: a.id })).type, 'ack');
  assert.equal((await chair.act({ type: 'answer_in_writing', question: asked5.question.id, working_days: 1 })).type, 'ack');
  await eventually(async () => assert.equal(await an.locator('#n-todo').textContent(), '2'));
  await cdp.send('Input.insertText', { text: 'ỉ' });
  assert.equal(await field.inputValue(), 'Đã chỉ');
  assert.equal(await field.evaluate((n) => n === document.activeElement), true, 'the field kept the focus');
  assert.deepEqual(await texts(an, '#todo .q-text'), [q2], 'the order waits while typing');
  await an.locator('#todo-heading').click();
  await eventually(async () => assert.deepEqual(await texts(an, '#todo .q-text'), [q5, q2]));
  assert.equal(await field.inputValue(), 'Đã chỉ', 'what was typed stays, unsaved');
  await card(an, q2).locator('.oq-draft', { hasText: 'Có thay đổi chưa lưu' }).waitFor();
  // What was typed and not saved comes back after a reload, still unsaved.
  await an.reload();
  await eventually(async () => assert.equal(await card(an, q2).locator('textarea').inputValue(), 'Đã chỉ'));
  await card(an, q2).locator('.oq-draft', { hasText: 'Có thay đổi chưa lưu' }).waitFor();
  assert.match(await card(an, q5).locator('.oq-who').textContent() ?? '', /^Người hỏi không ghi tên — Hỏi lúc \d\d\/\d\d\/\d{4} \d\d:\d\d$/);

  // Laptop view of the official's page.
  const wide = await laptop.newPage();
  await wide.goto(a.link);
  await eventually(async () => assert.equal(await wide.locator('#done li.oq').count(), 1));
  // After the cards' fade-in.
  await wide.waitForTimeout(400);
  await wide.screenshot({ path: join(shots, 'official-laptop.png'), fullPage: true });
  await wide.close();

  // A week past the due dates, in the browser's clock: both owed answers are late.
  for (const [name, opts] of /** @type {const} */ ([['phone', PHONE], ['laptop', LAPTOP]])) {
    // CSP bypassed only so that axe can be injected.
    const later = await browser.newContext({ ...opts, bypassCSP: true });
    await later.clock.install({ time: Date.parse('2026-12-24T02:00:00Z') });
    const page = await later.newPage();
    const problems = watch(page, `overdue ${name}`);
    await page.goto(a.link);
    await eventually(async () => assert.equal(await page.locator('#n-overdue').textContent(), '2'));
    assert.equal(await card(page, q2).locator('.oq-overdue').isVisible(), true);
    assert.deepEqual(await texts(page, '#todo .q-text'), [q5, q2]);
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(shots, `official-${name}-overdue.png`), fullPage: name === 'laptop' });
    await page.addScriptTag({ content: AXE });
    const violations = await page.evaluate(async () => {
      // @ts-ignore injected above
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((/** @type {any} */ v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(violations.filter((v) => /^(serious|critical) /.test(v)), [], `axe on the ${name}`);
    if (violations.length) console.log(`axe (${name}): ${violations.join('; ')}`);
    assert.deepEqual(problems, []);
    await later.close();
  }

  // A refusal is said in words: An edits a saved draft while the chair
  // publishes it; An's edit can no longer replace it.
  const q5card = card(an, q5);
  await q5card.locator('textarea').fill('Đã giao Sở Giao thông vận tải kiểm tra hồ sơ bồi thường.');
  await q5card.locator('[data-action="save"]').click();
  await q5card.locator('.oq-draft', { hasText: 'người soạn: Nguyễn Văn An' }).waitFor();
  await q5card.locator('textarea').fill('Đã giao Sở Giao thông vận tải kiểm tra hồ sơ bồi thường trong tháng này.');
  await q5card.locator('[data-action="publish"]').click();
  await an.locator('#confirm-body').waitFor();
  const byChair = await chair.act({ type: 'publish_answer', question: asked5.question.id, answer: 1 });
  assert.equal(byChair.type, 'ack', JSON.stringify(byChair));
  await an.locator('#confirm button[value="ok"]').click();
  await q5card.locator('.oq-error', { hasText: 'Câu hỏi vừa thay đổi' }).waitFor();
  assert.equal(await q5card.locator('.oq-status').textContent(), 'Đã trả lời bằng văn bản');
  assert.match(await q5card.locator('textarea').inputValue(), /trong tháng này\.$/, 'the edit is still there to use');
  await an.waitForTimeout(400);
  await q5card.screenshot({ path: join(shots, 'official-phone-refused.png') });
  // Saving again makes it an additional answer, as a draft.
  await q5card.locator('[data-action="save"]').click();
  await q5card.locator('.oq-draft', { hasText: 'Bản nháp lưu lúc' }).waitFor();
  assert.equal(await q5card.locator('.oq-error').isHidden(), true);
  assert.equal(await q5card.locator('.oq-label').textContent(), 'Trả lời bổ sung');

  assert.deepEqual(anProblems, []);
  assert.deepEqual(clerkProblems, []);
  await Promise.all([phone.close(), laptop.close(), tools.close()]);
});

test('a wrong or revoked personal link says so, and the secret is not kept', async () => {
  const event = await createEvent(server, { title: 'Hội nghị giao ban', pre_moderation: false });
  const code = event.join_code;
  const member = (await adminCall(server, 'POST', `/api/events/${code}/staff`, { name: 'Đỗ Quang Huy', role: 'official' })).json;
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await page.goto(`${server.url}/o/${code}#not-the-secret`);
  await page.locator('#refused-msg', { hasText: 'Đường dẫn không hợp lệ' }).waitFor();
  assert.equal(await page.locator('.off-main').isHidden(), true);

  await page.goto(member.link);
  await page.locator('#who', { hasText: 'Đỗ Quang Huy' }).waitFor();
  await page.locator('#todo-empty').waitFor();
  const revoked = await adminCall(server, 'POST', `/api/events/${code}/staff/${member.id}/revoke`);
  assert.equal(revoked.json.active, false);
  await page.locator('#refused-msg', { hasText: 'đã bị thu hồi' }).waitFor({ timeout: 3_000 });
  await page.reload();
  await page.locator('#refused-msg', { hasText: 'cần đường dẫn đầy đủ' }).waitFor();
  await context.close();
});
