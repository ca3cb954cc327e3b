// One meeting, three roles in one browser (one context each): the attendee's
// phone, a second attendee, the presiding panel and the projector screen,
// against the real server binary.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  VIEWPORTS, approve, artifactsDir, ask, createEvent, eventually, launchBrowser, startServer, texts, watch,
} from './harness.js';

const VI_QUESTION = 'Công tác đánh giá, xếp loại cán bộ năm 2022 có gì mới?';
const HOSTILE = '<img src=x onerror=alert(1)> <script>alert(2)</script> Câu hỏi thử "&amp;" \'nháy\'';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {string[]} */
const problems = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * @param {keyof typeof VIEWPORTS} size
 * @param {string} url
 * @param {string} name
 */
async function open(size, url, name) {
  const context = await browser.newContext({ ...VIEWPORTS[size], locale: 'vi-VN' });
  const page = await context.newPage();
  const seen = watch(page, name);
  await page.goto(url);
  return { page, context, seen };
}

test('ask, approve, vote, make current: every page follows without reload', async () => {
  const event = await createEvent(server, { title: 'Hội nghị đối thoại với cán bộ chủ chốt', pre_moderation: true });

  // The attendee's first load, measured: everything the phone downloads.
  const a = await open('phone', 'about:blank', 'attendee A');
  let httpBytes = 0;
  let wsBytes = 0;
  const requests = /** @type {string[]} */ ([]);
  a.page.on('requestfinished', async (req) => {
    const sizes = await req.sizes();
    // A repeated request served from memory reports a negative size.
    httpBytes += Math.max(0, sizes.responseBodySize) + Math.max(0, sizes.responseHeadersSize);
    if (sizes.responseBodySize >= 0) requests.push(`${String(sizes.responseBodySize).padStart(7)} ${new URL(req.url()).pathname}`);
  });
  a.page.on('websocket', (ws) => ws.on('framereceived', (f) => { wsBytes += Buffer.byteLength(f.payload); }));
  await a.page.goto(event.links.attendee, { waitUntil: 'networkidle' });
  await a.page.locator('#title', { hasText: 'Hội nghị' }).waitFor();
  console.log(`attendee first load: ${httpBytes} bytes over HTTP (bodies and headers, uncompressed) in ${requests.length} responses, then ${wsBytes} bytes of WebSocket frames`);
  for (const line of requests) console.log(line);
  mkdirSync(artifactsDir, { recursive: true });
  writeFileSync(join(artifactsDir, 'attendee-first-load.json'), JSON.stringify({ httpBytes, wsBytes, requests }, null, 2));
  assert.ok(httpBytes < 150_000, `the attendee page should stay light on hall Wi-Fi: ${httpBytes} bytes`);

  const mod = await open('laptop', event.links.moderator, 'moderator');
  const screen = await open('hd', event.links.screen, 'screen');
  await mod.page.locator('#title', { hasText: 'Hội nghị' }).waitFor();
  await screen.page.locator('#idle-code', { hasText: event.join_code }).waitFor();
  assert.equal(await screen.page.locator('#qr').getAttribute('src'), `/qr/${event.join_code}.svg`);
  await eventually(async () => assert.ok(
    await screen.page.locator('#qr').evaluate((img) => /** @type {HTMLImageElement} */ (img).naturalWidth > 0),
    'the QR code loads',
  ));

  // The moderator looks at the live list when the question comes in.
  await mod.page.click('#f-live');

  // Vietnamese typed key by key arrives exactly, counted in characters.
  await a.page.click('#ask-open');
  await a.page.locator('#ask-text').pressSequentially(VI_QUESTION);
  assert.equal(await a.page.textContent('#ask-count'), `${[...VI_QUESTION].length}/500 ký tự`);
  await ask(a.page, VI_QUESTION, { name: 'Trần Thị Bình', unit: 'Sở Nội vụ' });
  await eventually(async () => {
    const chip = a.page.locator('#mine-list li', { hasText: VI_QUESTION }).locator('.q-status');
    assert.equal(await chip.textContent(), 'Chờ duyệt');
  });

  // The moderator sees it pending, with the exact NFC string, and approves.
  await eventually(async () => assert.equal(await mod.page.textContent('#c-pending'), '1'));
  // A visible cue that something awaits approval: badge, tab title.
  assert.equal(await mod.page.locator('#c-pending').getAttribute('class'), 'count new');
  assert.match(await mod.page.title(), /^\(1\) /);
  await mod.page.click('#f-pending');
  const pending = await texts(mod.page, '#list li.mq .q-text');
  assert.deepEqual(pending, [VI_QUESTION.normalize('NFC')]);
  assert.equal(await mod.page.locator('#list li.mq').getAttribute('class'), 'mq selected fresh');
  await approve(mod.page, VI_QUESTION);
  assert.equal(await mod.page.locator('#c-pending').getAttribute('class'), 'count');

  // The attendee sees it live without reloading.
  await eventually(async () => {
    assert.deepEqual(await texts(a.page, '#queue-list .q-text'), [VI_QUESTION]);
    const chip = a.page.locator('#mine-list li', { hasText: VI_QUESTION }).locator('.q-status');
    assert.equal(await chip.textContent(), 'Đã đăng');
  });

  // A hostile question, approved with the keyboard shortcut.
  await ask(a.page, HOSTILE, { name: 'Lê Văn <b>Cường</b>', unit: '<i>Phòng</i>' });
  await mod.page.click('#f-pending');
  await mod.page.locator('#list li.mq .q-text', { hasText: 'Câu hỏi thử' }).waitFor();
  await mod.page.locator('#list li.mq.selected').focus();
  await mod.page.keyboard.press('a');
  await eventually(async () => assert.equal(await mod.page.textContent('#c-live'), '2'));

  // Everyone sees both, oldest first while votes are equal.
  const order = [VI_QUESTION, HOSTILE];
  await eventually(async () => assert.deepEqual(await texts(a.page, '#queue-list .q-text'), order));
  await mod.page.click('#f-live');
  await eventually(async () => assert.deepEqual(await texts(mod.page, '#list .q-text'), order));
  await eventually(async () => assert.deepEqual(await texts(screen.page, '#next-list .next-text'), order));

  // A second attendee upvotes the newer one: order and counts change everywhere.
  const b = await open('phone', event.links.attendee, 'attendee B');
  const bVote = b.page.locator('#queue-list li', { hasText: 'Câu hỏi thử' }).locator('.vote');
  await bVote.click();
  assert.equal(await bVote.getAttribute('aria-pressed'), 'true', 'the vote shows at once');
  // Under the finger that just tapped, the list holds still for a moment;
  // the count changes in place.
  assert.deepEqual(await texts(b.page, '#queue-list .vote-count'), ['0', '1']);
  const reordered = [HOSTILE, VI_QUESTION];
  await eventually(async () => {
    assert.deepEqual(await texts(a.page, '#queue-list .q-text'), reordered);
    assert.deepEqual(await texts(a.page, '#queue-list .vote-count'), ['1', '0']);
  });
  await eventually(async () => {
    assert.deepEqual(await texts(mod.page, '#list .q-text'), reordered);
    assert.deepEqual(await texts(mod.page, '#list .mq-votes'), ['1 lượt ủng hộ', '0 lượt ủng hộ']);
  });
  await eventually(async () => {
    assert.deepEqual(await texts(screen.page, '#next-list .next-text'), reordered);
    assert.deepEqual(await texts(screen.page, '#next-list .next-votes'), ['1', '0']);
  });
  await eventually(async () => assert.deepEqual(await texts(b.page, '#queue-list .vote-count'), ['1', '0']));
  await eventually(async () => assert.match(await mod.page.textContent('#presence-text') ?? '', /^2 /));

  // The moderator makes the Vietnamese question current: the screen shows it within a second.
  const item = mod.page.locator('#list li.mq', { hasText: VI_QUESTION });
  const clicked = Date.now();
  await item.locator('[data-action="set_current"]').click();
  await screen.page.waitForFunction(
    (text) => document.getElementById('cur-text')?.textContent === text,
    VI_QUESTION,
    { timeout: 1000 },
  );
  console.log(`screen showed the current question ${Date.now() - clicked} ms after the click`);
  assert.equal(await screen.page.textContent('#cur-who'), 'Trần Thị Bình — Sở Nội vụ');
  assert.equal(await screen.page.textContent('#cur-votes'), '0 lượt ủng hộ');
  await eventually(async () => {
    assert.equal(await a.page.isVisible('#now'), true);
    assert.deepEqual(await texts(a.page, '#now-list .q-text'), [VI_QUESTION]);
    assert.equal(await a.page.textContent('#now-live'), `Đang trả lời: ${VI_QUESTION}`);
    assert.deepEqual(await texts(screen.page, '#next-list .next-text'), [HOSTILE]);
  });

  // The hostile text is text on every page, and ran nothing.
  await mod.page.locator('#list li.mq', { hasText: 'Câu hỏi thử' }).locator('[data-action="set_current"]').click();
  await eventually(async () => assert.equal(await screen.page.textContent('#cur-text'), HOSTILE));
  await eventually(async () => assert.deepEqual(await texts(a.page, '#now-list .q-text'), [HOSTILE]));
  for (const [page, selector] of /** @type {const} */ ([
    [a.page, '#now-list .q-text'], [b.page, '#now-list .q-text'], [mod.page, '#now-text'], [screen.page, '#cur-text'],
  ])) {
    await eventually(async () => assert.equal(await page.textContent(selector), HOSTILE));
    const injected = await page.evaluate(() => ({
      imgs: document.querySelectorAll('img[src="x"]').length,
      scripts: [...document.scripts].filter((s) => !s.src).length,
      bold: document.querySelectorAll('main b, main i, .stage b, .stage i').length,
    }));
    assert.deepEqual(injected, { imgs: 0, scripts: 0, bold: 0 });
  }
  assert.equal(await mod.page.textContent('#list li.mq.current .mq-who'), 'Lê Văn <b>Cường</b> · <i>Phòng</i>');

  // Search folds diacritics.
  await mod.page.click('#f-all');
  await mod.page.fill('#search', 'danh gia XEP loai');
  await eventually(async () => assert.deepEqual(await texts(mod.page, '#list .q-text'), [VI_QUESTION]));
  await mod.page.fill('#search', '');

  await new Promise((ok) => setTimeout(ok, 300));
  for (const p of [a, b, mod, screen]) problems.push(...p.seen);
  assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
  for (const p of [a, b, mod, screen]) await p.context.close();
});

test('a brief drop shows nothing; a long one a discreet notice; the screen never', async () => {
  const event = await createEvent(server, { title: 'Phiên kiểm tra kết nối', pre_moderation: false });
  const a = await open('phone', event.links.attendee, 'attendee');
  const screen = await open('hd', event.links.screen, 'screen');
  await a.page.locator('#title', { hasText: 'Phiên kiểm tra' }).waitFor();
  await screen.page.locator('#idle-code', { hasText: event.join_code }).waitFor();
  // Record whether the notice ever appears, even for a frame.
  await a.page.evaluate(() => {
    const conn = /** @type {HTMLElement} */ (document.getElementById('conn'));
    new MutationObserver(() => { if (!conn.hidden) document.body.dataset.connShown = 'yes'; })
      .observe(conn, { attributes: true });
  });

  // A quick restart (well under two seconds): no notice.
  await server.kill();
  await server.start();
  await ask(a.page, 'Sau khi khởi động lại máy chủ, câu hỏi vẫn gửi được chứ?');
  await eventually(async () => assert.deepEqual(
    await texts(screen.page, '#next-list .next-text'),
    ['Sau khi khởi động lại máy chủ, câu hỏi vẫn gửi được chứ?'],
  ), 10_000);
  assert.equal(await a.page.evaluate(() => document.body.dataset.connShown ?? 'no'), 'no');

  // A longer outage: the attendee is told, discreetly; the screen keeps its
  // last state. (A restart is announced: phones wait up to 3 s before
  // reconnecting, so they do not all come back at once, and only then count
  // the 2 s before the notice.)
  await server.kill();
  await a.page.locator('#conn').waitFor({ state: 'visible', timeout: 8_000 });
  assert.equal(await a.page.textContent('#conn'), 'Mất kết nối, đang kết nối lại…');
  assert.equal(await screen.page.locator('#conn').count(), 0, 'the screen has no connection notice at all');
  assert.equal(await screen.page.textContent('#idle-code'), event.join_code);
  assert.equal(await screen.page.isVisible('#idle-code'), true);
  await server.start();
  await a.page.locator('#conn').waitFor({ state: 'hidden', timeout: 15_000 });

  // A question asked while offline goes out once the connection is back.
  await server.kill();
  await a.page.waitForTimeout(300);
  await a.page.click('#ask-open');
  await a.page.fill('#ask-text', 'Câu hỏi gửi khi đang mất mạng');
  await a.page.click('#ask-submit');
  await server.start();
  await a.page.locator('#ask').waitFor({ state: 'hidden', timeout: 15_000 });
  await eventually(async () => assert.equal(
    (await texts(screen.page, '#next-list .next-text')).filter((t) => t === 'Câu hỏi gửi khi đang mất mạng').length, 1,
  ), 15_000);

  const seen = [...a.seen, ...screen.seen].filter((p) => !/WebSocket connection|ERR_CONNECTION_REFUSED/.test(p));
  assert.deepEqual(seen, []);
  await a.context.close();
  await screen.context.close();
});

test('typing survives updates: a Vietnamese composition, settings, phase, an edit', async () => {
  const event = await createEvent(server, { title: 'Phiên kiểm tra bộ gõ', pre_moderation: true, allow_anonymous: false });
  const a = await open('phone', event.links.attendee, 'attendee');
  const mod = await open('laptop', event.links.moderator, 'moderator');
  await a.page.locator('#title', { hasText: 'bộ gõ' }).waitFor();
  assert.equal(await a.page.isHidden('#anon-row'), true, 'no anonymous box when not allowed');
  await ask(a.page, 'Tiêu chí đánh giá cán bộ trẻ là gì?');

  // Mid-word, as Telex composes "ờ" in "Đề nghị cho biết thời": the IME
  // holds marked text in the field while the page keeps receiving updates.
  await a.page.click('#ask-open');
  await a.page.locator('#ask-text').pressSequentially('Đề nghị cho biết th');
  const cdp = await a.context.newCDPSession(a.page);
  await cdp.send('Input.imeSetComposition', { text: 'ow', selectionStart: 2, selectionEnd: 2 });
  await mod.page.click('#f-pending');
  await approve(mod.page, 'Tiêu chí đánh giá');
  await mod.page.check('#set-anon');
  await eventually(async () => {
    assert.deepEqual(await texts(a.page, '#queue-list .q-text'), ['Tiêu chí đánh giá cán bộ trẻ là gì?']);
    assert.equal(await a.page.isVisible('#identity-hidden_from_hall'), true);
  });
  await cdp.send('Input.imeSetComposition', { text: 'ờ', selectionStart: 1, selectionEnd: 1 });
  await cdp.send('Input.insertText', { text: 'ời' });
  await a.page.locator('#ask-text').pressSequentially(' gian');
  assert.equal(await a.page.inputValue('#ask-text'), 'Đề nghị cho biết thời gian');
  assert.equal(await a.page.evaluate(() => document.activeElement?.id), 'ask-text', 'focus stayed in the field');

  // The moderator fixes a typo: the attendee sees the new text, the moderator the original too.
  await mod.page.click('#f-live');
  await mod.page.locator('#list li.mq.selected').focus();
  await mod.page.keyboard.press('e');
  const edit = mod.page.locator('#list li.mq.selected textarea');
  await edit.fill('Tiêu chí đánh giá cán bộ trẻ năm 2024 là gì?');
  await edit.press('Control+Enter');
  await eventually(async () => {
    assert.deepEqual(await texts(mod.page, '#list .q-text'), ['Tiêu chí đánh giá cán bộ trẻ năm 2024 là gì?']);
    assert.equal(await mod.page.textContent('#list .orig-text'), 'Tiêu chí đánh giá cán bộ trẻ là gì?');
    assert.deepEqual(await texts(a.page, '#queue-list .q-text'), ['Tiêu chí đánh giá cán bộ trẻ năm 2024 là gì?']);
  });

  // Voting only: no new questions, the field keeps what was typed.
  await mod.page.check('#phase-voting');
  await eventually(async () => {
    assert.equal(await a.page.isVisible('#phase-note'), true);
    assert.equal(await a.page.isDisabled('#ask-submit'), true);
  });
  assert.equal(await a.page.inputValue('#ask-text'), 'Đề nghị cho biết thời gian');

  assert.deepEqual([...a.seen, ...mod.seen], []);
  await a.context.close();
  await mod.context.close();
});

test('joining by typing the code; wrong codes and wrong links are explained', async () => {
  const event = await createEvent(server, { title: 'Phiên tham gia bằng mã' });
  const p = await open('phone', `${server.url}/`, 'landing');
  await p.page.fill('#code', 'abc');
  await p.page.click('button[type="submit"]');
  assert.equal(await p.page.isVisible('#code-error'), true);
  const typed = `${event.join_code.slice(0, 3).toLowerCase()} ${event.join_code.slice(3)}`;
  await p.page.fill('#code', typed);
  await p.page.press('#code', 'Enter');
  await p.page.waitForURL(`**/j/${event.join_code}`);
  await p.page.locator('#title', { hasText: 'Phiên tham gia bằng mã' }).waitFor();

  await p.page.goto(`${server.url}/j/ZZZZZZ`);
  await p.page.locator('#refused').waitFor();
  assert.match(await p.page.textContent('#refused-msg') ?? '', /Không tìm thấy hội nghị/);
  assert.equal(await p.page.isHidden('#main'), true);

  await p.page.goto(`${server.url}/m/${event.join_code}#not-the-secret`);
  await p.page.locator('#refused').waitFor();
  assert.match(await p.page.textContent('#refused-msg') ?? '', /Đường dẫn không hợp lệ/);
  // The screen shows a wrong link too (nothing good was ever on it).
  await p.page.goto(`${server.url}/s/${event.join_code}#${event.moderator_secret}`);
  await p.page.locator('#refused').waitFor();

  const seen = p.seen.filter((line) => !/WebSocket/.test(line));
  assert.deepEqual(seen, []);
  await p.context.close();
});

test('the panel and the screen show the attendee link the server gives, not their own address', async () => {
  // The organiser's laptop may open the panel as localhost while phones in
  // the hall need the LAN address: the server's public URL is the one to show.
  const hall = await startServer({ publicUrl: 'http://hoitruong.example.vn:8080' });
  try {
    const event = await createEvent(hall, { title: 'Phiên kiểm tra đường dẫn' });
    const link = `http://hoitruong.example.vn:8080/j/${event.join_code}`;
    assert.equal(event.links.attendee, link);
    const mod = await open('laptop', `${hall.url}/m/${event.join_code}#${event.moderator_secret}`, 'moderator');
    await mod.page.locator('#title', { hasText: 'đường dẫn' }).waitFor();
    assert.equal(await mod.page.textContent('#attendee-link'), link);
    assert.equal(await mod.page.getAttribute('#attendee-link', 'href'), link);
    const screen = await open('hd', `${hall.url}/s/${event.join_code}#${event.screen_secret}`, 'screen');
    await screen.page.locator('#idle-code', { hasText: event.join_code }).waitFor();
    assert.equal(await screen.page.textContent('#idle-url'), `hoitruong.example.vn:8080/j/${event.join_code}`);
    assert.deepEqual([...mod.seen, ...screen.seen], []);
    await mod.context.close();
    await screen.context.close();
  } finally {
    await hall.stop();
  }
});
