// A live connection that never loses an action: questions and votes made
// while the attendee's phone has no connection are kept on the phone and
// arrive exactly once when it is back — also when the answer to a request
// was lost with the connection, and across a reload.
//
// How the tests take the phone offline. Chromium's offline emulation
// (`context.setOffline(true)`) makes new connections fail, but leaves an
// already open WebSocket working: frames still flow both ways. So that
// alone would test nothing. Where the tests need a socket that really
// drops, they restart the server while the phone is offline — the hall's
// server restarted during a Wi-Fi outage: the phone's socket is closed
// (4002) and cannot come back until the network does. Where they need the
// page itself to be reachable while its WebSocket is not, or an answer to
// get lost, they route the WebSocket through the test
// (`context.routeWebSocket`), which closes or forwards real connections.
// "Exactly once" is checked on the moderator's page and, independently, in
// the snapshot a moderator WebSocket receives.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  VIEWPORTS, ask, createEvent, ensureScreenshotsDir, eventually, launchBrowser, moderatorSnapshot, startServer,
  texts, watch,
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

/** Connection errors are expected here; anything else is a problem. */
const EXPECTED = /WebSocket connection|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|net::ERR_/;

/**
 * @param {keyof typeof VIEWPORTS} size
 * @param {string} name
 */
async function context(size, name) {
  const ctx = await browser.newContext({ ...VIEWPORTS[size], locale: 'vi-VN' });
  const page = await ctx.newPage();
  const seen = watch(page, name);
  return { ctx, page, seen };
}

/**
 * Frames the page sent that carry a request, as `[id, action type]`.
 * @param {import('playwright-core').Page} page
 */
function recordRequests(page) {
  const sent = /** @type {Array<[string, string]>} */ ([]);
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    const msg = JSON.parse(String(f.payload));
    if (msg.type === 'request') sent.push([msg.id, msg.action.type]);
  }));
  return sent;
}

/**
 * How many questions with this text the server has, and their votes.
 * @param {import('playwright-core').BrowserContext} ctx
 * @param {Awaited<ReturnType<typeof createEvent>>} event
 * @param {string} text
 */
async function onServer(ctx, event, text) {
  const snapshot = await moderatorSnapshot(ctx, server.url, event);
  const found = snapshot.questions.filter((q) => q.text === text);
  return { count: found.length, votes: found.map((q) => q.votes) };
}

/**
 * The moderator's page lists `text` exactly once, with `votes`.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 * @param {string} votes e.g. "1 lượt ủng hộ"
 */
async function moderatorShowsOnce(page, text, votes) {
  await page.click('#f-all');
  await eventually(async () => {
    const items = page.locator('#list li.mq').filter({ has: page.locator('.q-text', { hasText: text }) });
    assert.equal(await items.count(), 1, `"${text}" once on the moderator's page`);
    assert.equal(await items.locator('.mq-votes').textContent(), votes);
  }, 15_000);
}

test('offline: a vote and a question arrive exactly once when the network is back', async () => {
  const event = await createEvent(server, { title: 'Phiên thử mất mạng', pre_moderation: false });
  const TARGET = 'Đề nghị cho biết lộ trình tinh giản biên chế?';
  const ASKED = 'Câu hỏi đặt lúc điện thoại mất mạng: chế độ phụ cấp có thay đổi không?';

  const b = await context('phone', 'attendee B');
  await b.page.goto(event.links.attendee);
  await ask(b.page, TARGET);
  const mod = await context('laptop', 'moderator');
  await mod.page.goto(event.links.moderator);
  const a = await context('phone', 'attendee A');
  const sent = recordRequests(a.page);
  await a.page.goto(event.links.attendee);
  const target = a.page.locator('#queue-list li', { hasText: TARGET });
  await target.waitFor();

  // Offline, and the socket really drops (see the top of the file).
  await a.ctx.setOffline(true);
  await server.kill();
  await server.start();
  await a.page.locator('#conn').waitFor({ state: 'visible', timeout: 10_000 });

  // Vote and ask: both show at once, as waiting to be sent.
  const vote = target.locator('.vote');
  await vote.click();
  assert.equal(await vote.getAttribute('aria-pressed'), 'true');
  assert.equal(await vote.getAttribute('class'), 'vote queued');
  assert.equal(await vote.locator('.vote-count').textContent(), '1');
  assert.match(await vote.textContent() ?? '', /chờ gửi/);
  await ask(a.page, ASKED);
  const mine = a.page.locator('#mine-list li', { hasText: ASKED });
  assert.equal(await mine.locator('.q-status').textContent(), 'Chờ gửi');
  assert.match(await a.page.textContent('#toast') ?? '', /đã được lưu trên máy/);
  await a.page.waitForTimeout(600);
  await a.page.screenshot({ path: join(ensureScreenshotsDir(), 'attendee-phone-offline-queued.png') });

  // Nothing has reached the server (the moderator is online again by now).
  assert.deepEqual(sent, [], 'nothing left the phone');
  assert.deepEqual(await onServer(mod.ctx, event, ASKED), { count: 0, votes: [] });
  assert.deepEqual((await onServer(mod.ctx, event, TARGET)).votes, [0]);

  // The network is back: everything goes, once.
  await a.ctx.setOffline(false);
  await eventually(async () => assert.equal(await mine.locator('.q-status').textContent(), 'Đã đăng'), 15_000);
  await eventually(async () => assert.equal(await vote.getAttribute('class'), 'vote'));
  assert.equal(await vote.getAttribute('aria-pressed'), 'true');
  await eventually(async () => assert.equal(await vote.locator('.vote-count').textContent(), '1'));
  await a.page.locator('#conn').waitFor({ state: 'hidden' });

  await moderatorShowsOnce(mod.page, ASKED, '0 lượt ủng hộ');
  await moderatorShowsOnce(mod.page, TARGET, '1 lượt ủng hộ');
  assert.deepEqual(await onServer(mod.ctx, event, ASKED), { count: 1, votes: [0] });
  assert.deepEqual(await onServer(mod.ctx, event, TARGET), { count: 1, votes: [1] });
  assert.deepEqual(sent.map(([, type]) => type), ['vote', 'ask'], 'sent in the order they were made');
  assert.equal(await a.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('hoidap.outbox.')).length), 0,
    'nothing left in the outbox');

  const problems = [...a.seen, ...b.seen, ...mod.seen].filter((p) => !EXPECTED.test(p));
  assert.deepEqual(problems, []);
  await Promise.all([a.ctx.close(), b.ctx.close(), mod.ctx.close()]);
});

test('an answer lost with the connection: the retry has the same id and applies once', async () => {
  const event = await createEvent(server, { title: 'Phiên thử mất xác nhận', pre_moderation: true });
  const ASKED = 'Câu hỏi mà xác nhận bị mất trên đường về';
  const a = await context('phone', 'attendee');
  // Forward the WebSocket, but lose the first ack on its way back, with the
  // connection: the server has applied the question, the phone does not know.
  /** @type {Array<[string, string]>} */
  const requests = [];
  let lose = true;
  await a.ctx.routeWebSocket(/\/ws$/, (ws) => {
    const srv = ws.connectToServer();
    ws.onMessage((m) => {
      const msg = JSON.parse(String(m));
      if (msg.type === 'request') requests.push([msg.id, msg.action.type]);
      srv.send(m);
    });
    srv.onMessage((m) => {
      if (lose && JSON.parse(String(m)).type === 'ack') {
        lose = false;
        ws.close({ code: 1001 }).catch(() => {});
        srv.close().catch(() => {});
        return;
      }
      ws.send(m);
    });
  });
  await a.page.goto(event.links.attendee);
  await a.page.locator('#title', { hasText: 'mất xác nhận' }).waitFor();
  await ask(a.page, ASKED);
  const mine = a.page.locator('#mine-list li', { hasText: ASKED });
  await eventually(async () => assert.equal(await mine.locator('.q-status').textContent(), 'Chờ duyệt'), 15_000);

  assert.equal(lose, false, 'the first answer was lost');
  assert.equal(requests.length, 2, 'sent again after reconnecting');
  assert.equal(requests[0][0], requests[1][0], 'with the same id');
  const mod = await context('laptop', 'moderator');
  await mod.page.goto(event.links.moderator);
  await moderatorShowsOnce(mod.page, ASKED, '0 lượt ủng hộ');
  assert.equal((await onServer(mod.ctx, event, ASKED)).count, 1);
  assert.equal(await a.page.locator('#mine-list li').count(), 1);

  const problems = [...a.seen, ...mod.seen].filter((p) => !EXPECTED.test(p));
  assert.deepEqual(problems, []);
  await Promise.all([a.ctx.close(), mod.ctx.close()]);
});

test('a question waiting to be sent survives a reload, and so does a draft', async () => {
  const event = await createEvent(server, { title: 'Phiên thử tải lại trang', pre_moderation: false });
  const QUEUED = 'Câu hỏi đã bấm gửi khi chưa có kết nối, rồi tải lại trang';
  const DRAFT = 'Bản nháp đang gõ dở: Đề nghị cho biết';
  const a = await context('phone', 'attendee');
  // The page loads over HTTP; its WebSocket connects only while `blocked`
  // is false: a phone whose page is reachable but whose live connection
  // is not (a captive Wi-Fi, a proxy that drops WebSockets).
  let blocked = false;
  /** @type {Array<() => void>} */
  const open = [];
  await a.ctx.routeWebSocket(/\/ws$/, (ws) => {
    if (blocked) {
      ws.close({ code: 1001 }).catch(() => {});
      return;
    }
    const srv = ws.connectToServer();
    ws.onMessage((m) => srv.send(m));
    srv.onMessage((m) => ws.send(m));
    open.push(() => {
      ws.close({ code: 1001 }).catch(() => {});
      srv.close().catch(() => {});
    });
  });
  await a.page.goto(event.links.attendee);
  await a.page.locator('#title', { hasText: 'tải lại trang' }).waitFor();

  blocked = true;
  for (const close of open.splice(0)) close();
  await a.page.locator('#conn').waitFor({ state: 'visible', timeout: 10_000 });
  await ask(a.page, QUEUED);
  await a.page.locator('#mine-list li', { hasText: QUEUED }).locator('.q-status', { hasText: 'Chờ gửi' }).waitFor();
  // Then words typed but not sent.
  await a.page.click('#ask-open');
  await a.page.locator('#ask-text').pressSequentially(DRAFT);

  // A real reload: everything in the page's memory is gone.
  await a.page.reload();
  assert.equal(await a.page.isVisible('#ask'), true, 'the form is open again');
  assert.equal(await a.page.inputValue('#ask-text'), DRAFT);
  assert.notEqual(await a.page.evaluate(() => document.activeElement?.id), 'ask-text', 'without grabbing focus');

  // The connection comes back: the question stored before the reload is sent, once.
  blocked = false;
  await eventually(async () => {
    const chip = a.page.locator('#mine-list li', { hasText: QUEUED }).locator('.q-status');
    assert.equal(await chip.textContent(), 'Đã đăng');
  }, 20_000);
  assert.equal(await a.page.inputValue('#ask-text'), DRAFT, 'the draft is still there, not sent');
  const mod = await context('laptop', 'moderator');
  await mod.page.goto(event.links.moderator);
  await moderatorShowsOnce(mod.page, QUEUED, '0 lượt ủng hộ');
  assert.deepEqual(await onServer(mod.ctx, event, QUEUED), { count: 1, votes: [0] });
  assert.equal((await onServer(mod.ctx, event, DRAFT)).count, 0);

  const problems = [...a.seen, ...mod.seen].filter((p) => !EXPECTED.test(p));
  assert.deepEqual(problems, []);
  await Promise.all([a.ctx.close(), mod.ctx.close()]);
});

test('offline, a reload fails; back online, the queued question and vote are sent once', async () => {
  const event = await createEvent(server, { title: 'Phiên thử trang lỗi', pre_moderation: false });
  const TARGET = 'Câu hỏi có sẵn để ủng hộ';
  const QUEUED = 'Câu hỏi gửi khi mất mạng, trước một lần tải lại không thành';
  const b = await context('phone', 'attendee B');
  await b.page.goto(event.links.attendee);
  await ask(b.page, TARGET);
  const a = await context('phone', 'attendee A');
  await a.page.goto(event.links.attendee);
  const target = a.page.locator('#queue-list li', { hasText: TARGET });
  await target.waitFor();

  await a.ctx.setOffline(true);
  await server.kill();
  await server.start();
  await a.page.locator('#conn').waitFor({ state: 'visible', timeout: 10_000 });
  await target.locator('.vote').click();
  await ask(a.page, QUEUED);

  // Reloading without a network shows the browser's error page: nothing of
  // the app is left running, only what it stored.
  await assert.rejects(a.page.reload(), /ERR_INTERNET_DISCONNECTED/);
  await a.ctx.setOffline(false);
  await a.page.goto(event.links.attendee);
  await eventually(async () => {
    const chip = a.page.locator('#mine-list li', { hasText: QUEUED }).locator('.q-status');
    assert.equal(await chip.textContent(), 'Đã đăng');
    assert.equal(await target.locator('.vote').getAttribute('aria-pressed'), 'true');
  }, 15_000);
  await eventually(async () => assert.deepEqual(await texts(b.page, '#queue-list .vote-count'), ['1', '0']), 10_000);

  const mod = await context('laptop', 'moderator');
  await mod.page.goto(event.links.moderator);
  await moderatorShowsOnce(mod.page, QUEUED, '0 lượt ủng hộ');
  await moderatorShowsOnce(mod.page, TARGET, '1 lượt ủng hộ');
  assert.deepEqual(await onServer(mod.ctx, event, QUEUED), { count: 1, votes: [0] });
  assert.deepEqual(await onServer(mod.ctx, event, TARGET), { count: 1, votes: [1] });

  const problems = [...a.seen, ...b.seen, ...mod.seen].filter((p) => !EXPECTED.test(p));
  assert.deepEqual(problems, []);
  await Promise.all([a.ctx.close(), b.ctx.close(), mod.ctx.close()]);
});
