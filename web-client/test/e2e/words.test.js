// Issue 13, item 8: the words on the panel and the screen. The action that
// marks a question answered says so (it is not the status's name); the
// projector's header keeps "Mã tham gia" on one line at 4:3; the panel's
// search placeholder fits in its field at 1366 and 1024 px; the screen's
// idle mode has a level-one heading (axe finds nothing on it).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  VIEWPORTS, approve, ask, createEvent, ensureScreenshotsDir, eventually, launchBrowser, startServer, watch,
} from './harness.js';

const require = createRequire(import.meta.url);
const AXE = readFileSync(join(require.resolve('axe-core'), '..', 'axe.min.js'), 'utf8');
const QUESTION = 'Đề nghị cho biết tiến độ giải phóng mặt bằng dự án đường vành đai 2?';

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
 * @param {{width: number, height: number}} viewport
 * @param {string} url
 * @param {string} name
 */
async function open(viewport, url, name) {
  const context = await browser.newContext({ viewport, locale: 'vi-VN', bypassCSP: true });
  const page = await context.newPage();
  problems.push(...watch(page, name));
  await page.goto(url);
  return page;
}

/** @param {import('playwright-core').Page} page */
const loaded = (page) => page.waitForFunction(() => !!document.getElementById('title')?.textContent?.trim()
  && !document.querySelector('.waiting'));

test('the panel\'s action says what it does, in both languages', async () => {
  const event = await createEvent(server, { title: 'Đối thoại với doanh nghiệp', pre_moderation: false });
  const a = await open(VIEWPORTS.phone.viewport, event.links.attendee, 'attendee');
  await ask(a, QUESTION);
  const mod = await open(VIEWPORTS.laptop.viewport, event.links.moderator, 'moderator');
  const item = mod.locator('#list li.mq', { hasText: QUESTION });
  await item.locator('[data-action="set_current"]').click();
  await eventually(async () => assert.equal(await mod.textContent('#now-text'), QUESTION));
  // The status stays "Đã trả lời" (the filter tab); the action is a verb.
  assert.equal((await mod.textContent('#now-done'))?.trim(), 'Đánh dấu đã trả lời');
  // The list's button ends with its key hint (kbd "d").
  assert.match((await item.locator('[data-action="mark_answered"]').textContent()) ?? '', /^Đánh dấu đã trả lời\s*d?$/);
  assert.equal((await mod.textContent('#f-answered span'))?.trim(), 'Đã trả lời');
  await mod.click('.lang-switch');
  assert.equal((await mod.textContent('#now-done'))?.trim(), 'Mark as answered');
  await a.context().close();
  await mod.context().close();
});

test('the screen\'s header keeps "Mã tham gia" on one line at 4:3 (1024×768)', async () => {
  const event = await createEvent(server, { title: 'Hội nghị đối thoại giữa lãnh đạo tỉnh với cán bộ chủ chốt năm 2024', pre_moderation: false });
  const a = await open(VIEWPORTS.phone.viewport, event.links.attendee, 'attendee');
  await ask(a, QUESTION);
  const mod = await open(VIEWPORTS.laptop.viewport, event.links.moderator, 'moderator');
  await mod.locator('#list li.mq', { hasText: QUESTION }).locator('[data-action="set_current"]').click();
  const shots = ensureScreenshotsDir();
  for (const viewport of [{ width: 1024, height: 768 }, { width: 1366, height: 768 }]) {
    const screen = await open(viewport, event.links.screen, 'screen');
    await loaded(screen);
    await screen.locator('#current:not([hidden])').waitFor();
    await screen.waitForTimeout(300);
    const label = screen.locator('.join-mini [data-i18n="scr.code"]');
    // One box per line: a label that wraps has two.
    const lines = await label.evaluate((n) => n.getClientRects().length);
    assert.equal(lines, 1, `"Mã tham gia" spans ${lines} lines at ${viewport.width}×${viewport.height}`);
    // The code itself stays beside its label.
    const [labelBox, codeBox] = await Promise.all([label.boundingBox(), screen.locator('#mini-code').boundingBox()]);
    assert.ok(labelBox && codeBox && Math.abs(labelBox.y + labelBox.height / 2 - (codeBox.y + codeBox.height / 2)) < labelBox.height / 2,
      'the code is on the label\'s line');
    await screen.screenshot({ path: join(shots, `words-screen-${viewport.width}.png`) });
    await screen.context().close();
  }
  await a.context().close();
  await mod.context().close();
});

test('the search placeholder fits in its field at 1366 and 1024 px', async () => {
  const event = await createEvent(server, { title: 'Đối thoại', pre_moderation: false });
  const shots = ensureScreenshotsDir();
  for (const lang of ['vi', 'en']) {
    for (const viewport of [{ width: 1366, height: 768 }, { width: 1024, height: 768 }]) {
      const mod = await open(viewport, event.links.moderator, 'moderator');
      await loaded(mod);
      if (lang === 'en') await mod.click('.lang-switch');
      const fit = await mod.locator('#search').evaluate((input) => {
        const el = /** @type {HTMLInputElement} */ (input);
        const style = getComputedStyle(el);
        const ctx = document.createElement('canvas').getContext('2d');
        if (!ctx) throw new Error('no canvas');
        ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const text = ctx.measureText(el.placeholder).width;
        // The field's clear button keeps its room even while hidden: an
        // overflowing value's scroll width is its text, the padding and that room.
        const long = 'đ'.repeat(200);
        el.value = long;
        const pads = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
        const clear = el.scrollWidth - pads - ctx.measureText(long).width;
        el.value = '';
        const room = el.clientWidth - pads - Math.max(0, clear);
        return { placeholder: el.placeholder, text, room };
      });
      console.log(`# placeholder ${lang} ${viewport.width}: text ${fit.text.toFixed(1)} px, room ${fit.room.toFixed(1)} px`);
      assert.ok(fit.text <= fit.room, `"${fit.placeholder}" needs ${fit.text.toFixed(0)} px, the field has ${fit.room.toFixed(0)} px at ${viewport.width} px (${lang})`);
      if (lang === 'vi') await mod.screenshot({ path: join(shots, `words-panel-${viewport.width}.png`) });
      await mod.context().close();
    }
  }
});

test('axe: the idle screen has a level-one heading and no violation', async () => {
  const event = await createEvent(server, { title: 'Đối thoại với thanh niên', pre_moderation: false });
  for (const viewport of [VIEWPORTS.hd.viewport, { width: 1024, height: 768 }]) {
    const screen = await open(viewport, event.links.screen, 'screen idle');
    await loaded(screen);
    assert.equal(await screen.locator('#idle').isVisible(), true);
    await screen.waitForLoadState('networkidle');
    await screen.addScriptTag({ content: AXE });
    const found = await screen.evaluate(async () => {
      // @ts-ignore injected above
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((/** @type {any} */ v) => `${v.impact} ${v.id}: ${v.help}`);
    });
    assert.deepEqual(found, []);
    // The heading is there for everyone, not only for screen readers.
    const h1 = screen.locator('h1:visible');
    assert.equal(await h1.count(), 1);
    assert.equal((await h1.textContent())?.trim(), 'Đối thoại với thanh niên');
    await screen.context().close();
  }
  assert.deepEqual(problems, []);
});
