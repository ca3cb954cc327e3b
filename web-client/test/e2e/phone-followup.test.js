// After the question (issue 11) on the phone and the projector: a question
// asked with a topic and "Kính gửi", put in writing by the chair, answered,
// found wanting by its asker; the public "answered" list on a second phone;
// the chair's screen settings on the projector. The chair drives the queue
// over its own WebSocket, as the panel would.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

const require = createRequire(import.meta.url);
const AXE = readFileSync(join(require.resolve('axe-core'), '..', 'axe.min.js'), 'utf8');

/**
 * Serious and critical axe-core findings on the page as it is now.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<string[]>}
 */
async function axeFindings(page) {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    // @ts-ignore injected above
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((/** @type {any} */ v) => v.impact === 'serious' || v.impact === 'critical')
      .map((/** @type {any} */ v) => `${v.id}: ${v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(' ')).join(', ')}`);
  });
}

/** The phone the brief designs for first. */
const PHONE = { ...VIEWPORTS.phone, viewport: { width: 390, height: 844 } };
const WRITTEN = 'Đề nghị cho biết lộ trình đánh giá, xếp loại cán bộ theo kết quả công việc từ năm 2027?';
const LIVE = 'Kế hoạch đào tạo, bồi dưỡng cán bộ trẻ năm tới thế nào?';
const FORWARDED = 'Chế độ phụ cấp cho cán bộ xã sau sắp xếp được chi trả khi nào?';
const ANSWER = 'Từ quý I năm 2027, tỉnh áp dụng bộ tiêu chí đánh giá theo kết quả công việc, công khai hằng quý.';
const REASON = 'Chưa nêu rõ tiêu chí cụ thể cho cán bộ cấp xã.';

/**
 * The chair over the shared moderator link: requests answered by their ack.
 * @param {import('playwright-core').BrowserContext} context
 * @param {{join_code: string, moderator_secret: string}} event
 */
async function chair(context, event) {
  const page = await context.newPage();
  await page.goto(`${server.url}/healthz`);
  await page.evaluate(({ code, secret }) => new Promise((ok, fail) => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    /** @type {any} */ (window).chair = { ws, waiting: new Map(), questions: new Map() };
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', protocol: 1, join_code: code, role: 'moderator', secret }));
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data));
      const c = /** @type {any} */ (window).chair;
      if (msg.type === 'snapshot') {
        for (const q of msg.snapshot.questions) c.questions.set(q.id, q);
        ok(undefined);
      }
      if (msg.type === 'delta') for (const ch of msg.changes) if (ch.type === 'question') c.questions.set(ch.question.id, ch.question);
      if ((msg.type === 'ack' || msg.type === 'error') && msg.id) c.waiting.get(msg.id)?.(msg);
    };
    ws.onclose = (ev) => fail(new Error(`chair socket closed ${ev.code}`));
  }), { code: event.join_code, secret: event.moderator_secret });
  let n = 0;
  return {
    /**
     * @param {import('../../app/js/protocol').Action} action
     * @returns {Promise<void>}
     */
    async send(action) {
      const id = `t${++n}`;
      const answer = await page.evaluate(({ id, action }) => new Promise((ok) => {
        const c = /** @type {any} */ (window).chair;
        c.waiting.set(id, ok);
        c.ws.send(JSON.stringify({ type: 'request', id, action }));
      }), { id, action });
      assert.equal(/** @type {any} */ (answer).type, 'ack', `${action.type}: ${JSON.stringify(answer)}`);
    },
    /**
     * The question with this text, as the panel has it.
     * @param {string} text
     * @returns {Promise<import('../../app/js/protocol').Question>}
     */
    question(text) {
      return eventually(async () => {
        const q = await page.evaluate((t) => [.../** @type {any} */ (window).chair.questions.values()].find((x) => x.text === t), text);
        assert.ok(q, `the panel has "${text}"`);
        return q;
      });
    },
  };
}

/**
 * An attendee asks with a topic (and the addressee it preselects).
 * @param {import('playwright-core').Page} page
 * @param {string} text
 * @param {string} topic its name
 */
async function askRouted(page, text, topic) {
  await page.click('#ask-open');
  await page.locator('#ask-text').fill(text);
  await page.locator('#ask-topic').selectOption({ label: topic });
  await page.locator('#identity-named').check();
  await page.fill('#ask-name', 'Trần Thị Bình');
  await page.fill('#ask-unit', 'Sở Nội vụ');
  await page.click('#ask-submit');
  await page.locator('#ask').waitFor({ state: 'hidden' });
}

test('a routed question is put in writing, answered, found wanting; the hall reads the answers; the screen follows the chair', async () => {
  const dir = ensureScreenshotsDir();
  const event = await createEvent(server, { title: 'Hội nghị đối thoại với cán bộ chủ chốt', pre_moderation: false });
  const code = event.join_code;
  const staff = async (/** @type {string} */ name) => {
    const res = await adminCall(server, 'POST', `/api/events/${code}/staff`, { name, role: 'official' });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return /** @type {string} */ (res.json.id);
  };
  const org = await staff('Trưởng Ban Tổ chức Tỉnh ủy');
  const chairman = await staff('Chủ tịch UBND tỉnh');
  const patched = await adminCall(server, 'PATCH', `/api/events/${code}`, {
    asker_routes: true,
    topics: [
      { name: 'Đánh giá, xếp loại cán bộ', official: org },
      { name: 'Đào tạo, bồi dưỡng', official: org },
      { name: 'Chế độ, chính sách', official: chairman },
    ],
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));

  // CSP bypassed only so axe can be injected.
  const phoneA = await browser.newContext({ ...PHONE, locale: 'vi-VN', bypassCSP: true });
  const a = await phoneA.newPage();
  const seen = [watch(a, 'asker')];
  await a.goto(event.links.attendee);
  await a.locator('#title', { hasText: 'Hội nghị' }).waitFor();

  // The ask form: a topic preselects its official, who is named in the
  // sentence about who will see what; another official may be picked.
  await a.click('#ask-open');
  await a.locator('#route').waitFor();
  assert.deepEqual(await texts(a, '#ask-topic option'), [
    '— Không chọn lĩnh vực —', 'Đánh giá, xếp loại cán bộ', 'Đào tạo, bồi dưỡng', 'Chế độ, chính sách',
  ]);
  assert.equal(await a.textContent('#route-summary'), 'Chủ tọa sẽ chuyển câu hỏi đến người trả lời phù hợp.');
  await a.locator('#ask-topic').selectOption({ label: 'Chế độ, chính sách' });
  assert.equal(await a.locator('#ask-official').inputValue(), chairman);
  assert.equal(await a.locator('#ask-official option:checked').textContent(), 'Chủ tịch UBND tỉnh');
  await a.locator('#ask-topic').selectOption({ label: 'Đánh giá, xếp loại cán bộ' });
  assert.equal(await a.locator('#ask-official').inputValue(), org);
  assert.equal(await a.textContent('#route-summary'),
    'Câu hỏi kính gửi đồng chí Trưởng Ban Tổ chức Tỉnh ủy, người sẽ nhận câu hỏi để trả lời.');
  await a.locator('#ask-text').fill(WRITTEN);
  await a.locator('#identity-named').check();
  await a.waitForTimeout(200);
  await a.screenshot({ path: join(dir, 'followup-phone-ask.png') });
  assert.deepEqual(await axeFindings(a), [], 'the ask form with its selects');
  await a.locator('#ask-text').fill('');
  await a.click('#ask-close');
  await askRouted(a, WRITTEN, 'Đánh giá, xếp loại cán bộ');
  // The form starts unrouted for the next question.
  assert.equal(await a.locator('#ask-topic').inputValue(), '');

  const context = await browser.newContext();
  const c = await chair(context, event);
  const written = await c.question(WRITTEN);
  assert.equal(written.topic, 1);
  assert.equal(written.official, org);

  const mine = a.locator('#mine-list li', { hasText: WRITTEN });
  await eventually(async () => {
    assert.equal(await mine.locator('.fu-state').textContent(), 'Đang trong danh sách câu hỏi.');
    assert.equal(await mine.locator('.fu-route').textContent(),
      'Lĩnh vực: Đánh giá, xếp loại cán bộ · Kính gửi: Trưởng Ban Tổ chức Tỉnh ủy');
  });

  // In writing within five working days: the due date, in the hall's format.
  await c.send({ type: 'answer_in_writing', question: written.id, working_days: 5 });
  const due = (await eventually(async () => {
    const q = await c.question(WRITTEN);
    assert.ok(q.due);
    return q;
  })).due ?? '';
  const [y, m, d] = due.split('-');
  await eventually(async () => {
    assert.equal(await mine.locator('.q-status').textContent(), 'Trả lời bằng văn bản');
    assert.equal(await mine.locator('.fu-state').textContent(), `Sẽ trả lời bằng văn bản, hạn ${d}/${m}/${y}.`);
  });
  assert.equal(await mine.locator('.fu-ns-open').isVisible(), false, 'nothing to object to before an answer');

  // Two more: one forwarded outside, one answered live.
  await askRouted(a, FORWARDED, 'Chế độ, chính sách');
  await askRouted(a, LIVE, 'Đào tạo, bồi dưỡng');
  const forwarded = await c.question(FORWARDED);
  await c.send({ type: 'forward', question: forwarded.id, authority: 'Sở Tài chính' });
  const live = await c.question(LIVE);

  // The answer, drafted and published: the asker reads it, signed and dated.
  await c.send({ type: 'draft_answer', question: written.id, text: ANSWER });
  await c.send({ type: 'publish_answer', question: written.id, answer: 1 });
  await eventually(async () => {
    assert.equal(await mine.locator('.fu-state').textContent(), 'Đã trả lời bằng văn bản.');
    assert.deepEqual(await texts(a, `#mine-list li:has-text("${WRITTEN.slice(0, 30)}") .fu-answer-text`), [ANSWER]);
    assert.match(await mine.locator('.fu-answer-by').textContent() ?? '', /^Trưởng Ban Tổ chức Tỉnh ủy, \d\d\/\d\d\/\d{4}$/);
  });
  // Above the ask bar, which covers the page's bottom.
  await mine.locator('.fu-ns-open').evaluate((n) => n.scrollIntoView({ block: 'center' }));
  await a.waitForTimeout(300);
  await a.screenshot({ path: join(dir, 'followup-phone-answer.png') });

  // A second phone: the public "answered" tab has the written answer, the
  // forwarded question waits below with its state.
  const phoneB = await browser.newContext({ ...PHONE, locale: 'vi-VN' });
  const b = await phoneB.newPage();
  seen.push(watch(b, 'second phone'));
  await b.goto(event.links.attendee);
  await b.locator('#queue-list li', { hasText: LIVE }).waitFor();
  await b.click('#tab-answered');
  const item = b.locator('#queue-list li', { hasText: WRITTEN });
  await eventually(async () => {
    assert.equal(await item.locator('.fu-answer-text').textContent(), ANSWER);
    assert.equal(await item.locator('.fu-state').textContent(), 'Đã trả lời bằng văn bản.');
    assert.equal(await item.locator('.fu-history').isVisible(), false, 'the steps are the asker\'s');
    assert.equal(await item.locator('.fu-ns-open').isVisible(), false, 'only the asker objects');
    assert.equal(await b.locator('#waiting-heading').isVisible(), true);
    assert.equal(await b.locator('#waiting-list li', { hasText: FORWARDED }).locator('.fu-state').textContent(),
      'Đã chuyển Sở Tài chính.');
  });

  // The live one, answered at the meeting, joins the answered list (after
  // the written answer, published later than it was asked).
  await c.send({ type: 'set_current', question: live.id });
  await c.send({ type: 'mark_answered', question: live.id });
  await eventually(async () => {
    assert.deepEqual(await texts(b, '#queue-list .q-text'), [WRITTEN, LIVE]);
    assert.equal(await b.locator('#queue-list li', { hasText: LIVE }).locator('.fu-state').textContent(),
      'Đã trả lời trực tiếp tại hội nghị.');
  });
  await b.waitForTimeout(300);
  await b.screenshot({ path: join(dir, 'followup-phone-answered-tab.png'), fullPage: true });

  // The asker is not satisfied: a reason is required, counted in characters.
  await mine.locator('.fu-ns-open').click();
  const dialog = a.locator('#ns-dialog');
  await dialog.waitFor();
  assert.equal(await a.textContent('#ns-quote'), WRITTEN);
  await a.click('#ns-submit');
  assert.equal(await a.textContent('#ns-error'), 'Vui lòng nhập lý do.');
  // Typed in two goes, with an update to one of the asker's questions in
  // between (the lists re-render, \`mine\` comes again): the words, the
  // caret and the focus stay where they are.
  await a.locator('#ns-text').pressSequentially(REASON.slice(0, 20));
  await c.send({ type: 'edit', question: forwarded.id, text: 'Chế độ phụ cấp cho cán bộ xã sau sắp xếp được chi trả từ tháng nào?' });
  await eventually(async () => assert.equal(await mine.evaluate(() => document.querySelector('#mine-list')?.textContent?.includes('từ tháng nào')), true));
  assert.equal(await a.evaluate(() => document.activeElement?.id), 'ns-text');
  await a.locator('#ns-text').pressSequentially(REASON.slice(20));
  assert.equal(await a.locator('#ns-text').inputValue(), REASON);
  assert.equal(await a.locator('#ns-error').isVisible(), false, 'typing clears the error');
  assert.equal(await a.textContent('#ns-count'), `${[...REASON].length}/500 ký tự`);
  await a.screenshot({ path: join(dir, 'followup-phone-not-satisfied.png') });
  assert.deepEqual(await axeFindings(a), [], 'the not-satisfied dialog');
  await a.click('#ns-submit');
  await dialog.waitFor({ state: 'hidden' });
  await eventually(async () => {
    assert.equal(await mine.locator('.q-status').textContent(), 'Chưa thỏa đáng');
    assert.equal(await mine.locator('.fu-state').textContent(), 'Chưa thỏa đáng — đang chờ trả lời lại.');
    assert.equal(await mine.locator('.fu-ns-open').isVisible(), false);
  });
  assert.equal((await c.question(WRITTEN)).status, 'not_satisfied');

  // The steps, newest first, with dates and the reason.
  await mine.locator('.fu-history summary').click();
  const steps = await texts(a, `#mine-list li:has-text("${WRITTEN.slice(0, 30)}") .fu-step-what`);
  assert.deepEqual(steps.slice(0, 3), [
    'Đồng chí báo chưa thỏa đáng', 'Đã trả lời bằng văn bản', `Sẽ trả lời bằng văn bản, hạn ${d}/${m}/${y}`,
  ]);
  assert.equal(await mine.locator('.fu-step-reason').first().textContent(), `Lý do: ${REASON}`);
  await a.waitForTimeout(300);
  await mine.scrollIntoViewIfNeeded();
  await a.screenshot({ path: join(dir, 'followup-phone-mine.png') });
  await a.screenshot({ path: join(dir, 'followup-phone-mine-full.png'), fullPage: true });
  assert.deepEqual(await axeFindings(a), [], 'own questions with answers and steps');

  // On the second phone it moved to the questions waiting for an answer.
  await eventually(async () => assert.equal(
    await b.locator('#waiting-list li', { hasText: WRITTEN }).locator('.fu-state').textContent(),
    'Chưa thỏa đáng — đang chờ trả lời lại.',
  ));

  // English, everything new included.
  await a.click('.lang-switch');
  await eventually(async () => {
    assert.equal(await mine.locator('.fu-state').textContent(), 'Not satisfied — waiting for a new answer.');
    assert.equal(await mine.locator('.fu-route').textContent(),
      'Topic: Đánh giá, xếp loại cán bộ · To: Trưởng Ban Tổ chức Tỉnh ủy');
    assert.equal(await mine.locator('.fu-step-what').first().textContent(), 'You said the answer is not satisfactory');
  });
  await a.screenshot({ path: join(dir, 'followup-phone-mine-en.png') });
  await a.click('#ask-open');
  assert.equal(await a.locator('#ask-topic option').first().textContent(), '— No topic —');
  await a.click('#ask-close');
  await a.click('.lang-switch');

  // No sideways scrolling on the phone.
  for (const p of [a, b]) assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= innerWidth));

  // The projector, with the chair's screen settings applied live.
  const hall = await browser.newContext({ ...VIEWPORTS.hd, locale: 'vi-VN' });
  const s = await hall.newPage();
  seen.push(watch(s, 'screen'));
  await s.goto(event.links.screen);
  await a.click('#tab-popular');
  const next = 'Thời gian tổ chức thi tuyển chức danh lãnh đạo cấp phòng năm 2027?';
  await askRouted(a, next, 'Đào tạo, bồi dưỡng');
  const after = 'Việc luân chuyển cán bộ trẻ về cơ sở sẽ được thực hiện ra sao?';
  await askRouted(a, after, 'Đánh giá, xếp loại cán bộ');
  const current = await c.question(next);
  await c.send({ type: 'set_current', question: current.id });
  await s.locator('#cur-text', { hasText: next }).waitFor();
  assert.equal(await s.locator('#cur-route').isVisible(), false, 'no routing line unless the chair wants it');
  assert.equal(await s.locator('#cur-votes').isVisible(), true);
  await eventually(async () => assert.deepEqual(await texts(s, '#next-list .next-text'), [after]));
  assert.equal(await s.locator('#next').isVisible(), true);

  await c.send({ type: 'set_screen', routing: true });
  await eventually(async () => {
    assert.equal(await s.locator('#cur-route').isVisible(), true);
    assert.equal(await s.textContent('#cur-topic'), 'Đào tạo, bồi dưỡng');
    assert.equal(await s.textContent('#cur-to'), 'Kính gửi: Trưởng Ban Tổ chức Tỉnh ủy');
  });
  await s.waitForTimeout(300);
  await s.screenshot({ path: join(dir, 'followup-screen-routing.png') });
  const fit = await s.evaluate(() => {
    const box = /** @type {HTMLElement} */ (document.getElementById('cur-box'));
    const text = /** @type {HTMLElement} */ (document.getElementById('cur-text'));
    return { overflow: text.scrollHeight - box.clientHeight, page: document.documentElement.scrollHeight - innerHeight };
  });
  assert.ok(fit.overflow <= 1 && fit.page <= 0, `the stage still fits: ${JSON.stringify(fit)}`);

  await c.send({ type: 'set_screen', votes: false });
  await eventually(async () => {
    assert.equal(await s.locator('#cur-votes').isVisible(), false);
    assert.equal(await s.locator('#next-list .next-votes').first().isVisible(), false);
  });
  await c.send({ type: 'set_screen', up_next: false });
  await eventually(async () => assert.equal(await s.locator('#next').isVisible(), false));
  await s.waitForTimeout(300);
  await s.screenshot({ path: join(dir, 'followup-screen-no-votes-no-next.png') });

  await c.send({ type: 'set_screen', blank: true });
  await eventually(async () => {
    assert.equal(await s.locator('#blank-title').textContent(), 'Hội nghị đối thoại với cán bộ chủ chốt');
    assert.equal(await s.locator('#current').isVisible(), false);
    assert.equal(await s.locator('.screen-head').isVisible(), false);
    assert.equal(await s.locator('#qr').isVisible(), false);
  });
  await s.waitForTimeout(300);
  await s.screenshot({ path: join(dir, 'followup-screen-blank.png') });

  await c.send({ type: 'set_screen', blank: false, up_next: true, votes: true });
  await eventually(async () => {
    assert.equal(await s.locator('#cur-text').textContent(), next);
    assert.equal(await s.locator('#next').isVisible(), true);
    assert.equal(await s.locator('#cur-votes').isVisible(), true);
  });

  await new Promise((ok) => setTimeout(ok, 300));
  assert.deepEqual(seen.flat(), [], 'no console errors, page errors or dialogs');
  for (const ctx of [phoneA, phoneB, context, hall]) await ctx.close();
});

test('"not satisfied" said offline waits on the phone and is sent once when the network is back', async () => {
  const event = await createEvent(server, { title: 'Phiên thử mất mạng sau câu trả lời', pre_moderation: false });
  const phone = await browser.newContext({ ...PHONE, locale: 'vi-VN' });
  const a = await phone.newPage();
  const seen = watch(a, 'asker offline');
  await a.goto(event.links.attendee);
  await a.click('#ask-open');
  await a.locator('#ask-text').fill(LIVE);
  await a.locator('#identity-named').check();
  await a.click('#ask-submit');
  await a.locator('#ask').waitFor({ state: 'hidden' });
  const panel = await browser.newContext();
  const c = await chair(panel, event);
  const q = await c.question(LIVE);
  await c.send({ type: 'set_current', question: q.id });
  await c.send({ type: 'mark_answered', question: q.id });
  const mine = a.locator('#mine-list li', { hasText: LIVE });
  await eventually(async () => assert.equal(await mine.locator('.fu-state').textContent(), 'Đã trả lời trực tiếp tại hội nghị.'));
  await panel.close();

  // Offline, and the socket really drops: the server restarts meanwhile
  // (an open WebSocket survives Chromium's offline emulation).
  await phone.setOffline(true);
  await server.kill();
  await server.start();
  await a.locator('#conn').waitFor({ state: 'visible', timeout: 10_000 });

  await mine.locator('.fu-ns-open').click();
  await a.locator('#ns-text').pressSequentially(REASON);
  await a.click('#ns-submit');
  await a.locator('#ns-dialog').waitFor({ state: 'hidden' });
  assert.equal(await a.textContent('#toast'), 'Ý kiến đã được lưu trên máy và sẽ tự gửi khi có kết nối.');
  assert.equal(await mine.locator('.fu-state').textContent(), 'Đã trả lời trực tiếp tại hội nghị.', 'nothing left yet');

  await phone.setOffline(false);
  await eventually(async () => {
    assert.equal(await mine.locator('.fu-state').textContent(), 'Chưa thỏa đáng — đang chờ trả lời lại.');
    assert.equal(await a.textContent('#toast'), 'Đã gửi ý kiến. Câu hỏi được gửi lại để trả lời tiếp.');
  }, 15_000);
  const again = await browser.newContext();
  const check = await chair(again, event);
  const after = await check.question(LIVE);
  assert.equal(after.status, 'not_satisfied');
  assert.deepEqual(
    (after.history ?? []).filter((s) => s.kind === 'not_satisfied').map((s) => s.reason),
    [REASON],
    'sent exactly once',
  );
  await again.close();
  const problems = seen.filter((p) => !/WebSocket connection|ERR_CONNECTION_REFUSED|ERR_INTERNET_DISCONNECTED/.test(p));
  assert.deepEqual(problems, []);
  await phone.close();
});
