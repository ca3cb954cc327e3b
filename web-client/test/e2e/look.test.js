// How the pages look and whether everyone can use them: an axe-core scan
// of each page (no serious or critical violation), and screenshots at phone,
// laptop and 1080p sizes for a person to look at (test-artifacts/screenshots,
// or $ARTIFACTS_DIR/screenshots).

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

const QUESTIONS = [
  { text: 'Công tác đánh giá, xếp loại cán bộ năm 2022 có gì mới?', name: 'Trần Thị Bình', unit: 'Sở Nội vụ' },
  {
    text: 'Đề nghị làm rõ tiêu chí lấy phiếu tín nhiệm đối với cán bộ giữ chức vụ do Hội đồng nhân dân bầu; trường hợp có trên 50% phiếu tín nhiệm thấp thì xử lý thế nào?',
    name: 'Nguyễn Văn An', unit: 'UBND huyện Tân Phước',
  },
  { text: 'Kinh phí đào tạo, bồi dưỡng cán bộ năm tới được phân bổ theo tiêu chí nào?', anonymous: true },
  { text: 'Chínhsáchthuhútnhântàichấtlượngcaocónhữngđiểmgìmớisovớigiaiđoạntrước?', name: 'Phạm Minh Đức', unit: 'Sở Giáo dục và Đào tạo' },
];
const LONG = `Về công tác luân chuyển, điều động cán bộ: ${'đề nghị lãnh đạo tỉnh cho biết lộ trình, tiêu chí và chế độ hỗ trợ đối với cán bộ được luân chuyển về cơ sở, '.repeat(4)}`.slice(0, 497) + '…?';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof createEvent>>} */
let event;
/** @type {string[]} */
const problems = [];
let longId = '';

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  event = await createEvent(server, { title: 'Hội nghị đối thoại giữa lãnh đạo tỉnh với cán bộ chủ chốt năm 2024', pre_moderation: true });
  // Seed a meeting in progress through the pages themselves.
  const a = await page('phone', event.links.attendee, 'seed attendee');
  const mod = await page('laptop', event.links.moderator, 'seed moderator');
  for (const q of QUESTIONS) await ask(a, q.text, q);
  await ask(a, LONG);
  await ask(a, 'Câu hỏi này vẫn đang chờ chủ tọa duyệt.');
  for (const q of [...QUESTIONS, { text: LONG }]) await approve(mod, q.text);
  const b = await page('phone', event.links.attendee, 'seed attendee 2');
  await b.locator('#queue-list li', { hasText: 'phiếu tín nhiệm' }).locator('.vote').click();
  await b.locator('#queue-list li', { hasText: 'Kinh phí' }).locator('.vote').click();
  await a.locator('#queue-list li', { hasText: 'phiếu tín nhiệm' }).locator('.vote').click();
  await mod.click('#f-live');
  const longItem = mod.locator('#list li.mq', { hasText: 'luân chuyển' });
  longId = (await longItem.getAttribute('data-id')) ?? '';
  await mod.locator('#list li.mq', { hasText: QUESTIONS[0].text }).locator('[data-action="set_current"]').click();
  await eventually(async () => assert.equal(await mod.textContent('#now-text'), QUESTIONS[0].text));
  await Promise.all([a.context().close(), b.context().close(), mod.context().close()]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * A page in its own context; CSP bypassed only so axe can be injected.
 * @param {keyof typeof VIEWPORTS | {viewport: {width: number, height: number}}} size
 * @param {string} url
 * @param {string} name
 * @param {object} [extra] context options
 */
async function page(size, url, name, extra = {}) {
  const options = typeof size === 'string' ? VIEWPORTS[size] : size;
  const context = await browser.newContext({ ...options, bypassCSP: true, ...extra });
  const p = await context.newPage();
  const seen = watch(p, name);
  p.on('close', () => problems.push(...seen));
  await p.goto(url);
  return p;
}

/** @param {import('playwright-core').Page} p */
async function ready(p) {
  await p.waitForFunction(() => {
    const t = document.getElementById('title') ?? document.querySelector('h1');
    return !!t?.textContent?.trim() && !document.querySelector('.waiting');
  });
  // Let FLIP animations and the QR image settle.
  await p.waitForLoadState('networkidle');
  await p.waitForTimeout(500);
}

const PAGES = () => ({
  index: `${server.url}/`,
  attendee: event.links.attendee,
  moderator: event.links.moderator,
  screen: event.links.screen,
});

test('axe: no serious or critical accessibility violation on any page', async () => {
  /** @type {Array<[string, keyof typeof VIEWPORTS, ((p: import('playwright-core').Page) => Promise<unknown>)?]>} */
  const cases = [
    ['index', 'phone'],
    ['attendee', 'phone'],
    ['attendee', 'phone', (p) => p.click('#ask-open')],
    ['moderator', 'laptop'],
    ['moderator', 'laptop', (p) => p.keyboard.press('?')],
    ['screen', 'hd'],
  ];
  const report = [];
  for (const [name, size, prepare] of cases) {
    const p = await page(size, PAGES()[name], `axe ${name}`);
    await ready(p);
    await prepare?.(p);
    await p.addScriptTag({ content: AXE });
    const result = await p.evaluate(async () => {
      // @ts-ignore injected above
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((/** @type {any} */ v) => ({
        id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(' ')),
      }));
    });
    for (const v of result) report.push(`${name}${prepare ? ' (opened)' : ''} ${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(', ')}`);
    await p.context().close();
  }
  if (report.length) console.log(`axe findings:\n${report.join('\n')}`);
  assert.deepEqual(report.filter((line) => / (serious|critical) /.test(line)), []);
});

test('screenshots of every page at phone, laptop and 1080p', async () => {
  const dir = ensureScreenshotsDir();
  const shots = [];
  for (const [name, url] of Object.entries(PAGES())) {
    for (const size of /** @type {const} */ (['phone', 'laptop', 'hd'])) {
      const p = await page(size, url, `${name} ${size}`);
      await ready(p);
      // The ask form open is how most phones will look at some point.
      const file = join(dir, `${name}-${size}.png`);
      await p.screenshot({ path: file });
      shots.push(file);
      if (name === 'attendee' && size === 'phone') {
        await p.screenshot({ path: join(dir, 'attendee-phone-full.png'), fullPage: true });
        await p.click('#ask-open');
        await p.locator('#ask-text').fill('Đề nghị cho biết kế hoạch tinh giản biên chế giai đoạn tới');
        await p.waitForTimeout(400);
        await p.screenshot({ path: join(dir, 'attendee-phone-ask.png') });
        // No horizontal scrolling, even with very long Vietnamese words.
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        assert.ok(overflow <= 0, `the phone page scrolls sideways by ${overflow}px`);
      }
      if (name === 'moderator' && size === 'laptop') {
        await p.keyboard.press('?');
        await p.waitForTimeout(200);
        await p.screenshot({ path: join(dir, 'moderator-laptop-help.png') });
      }
      await p.context().close();
    }
  }
  // The screen at 4:3, and in English.
  const s43 = await page({ viewport: { width: 1024, height: 768 } }, event.links.screen, 'screen 4:3');
  await ready(s43);
  await s43.screenshot({ path: join(dir, 'screen-4x3.png') });
  await s43.context().close();
  const en = await page('phone', event.links.attendee, 'attendee en');
  await ready(en);
  await en.click('.lang-switch');
  await en.waitForTimeout(200);
  assert.equal(await en.locator('#tab-popular').textContent(), 'Popular');
  await en.screenshot({ path: join(dir, 'attendee-phone-en.png') });
  await en.reload();
  await ready(en);
  assert.equal(await en.locator('#tab-popular').textContent(), 'Popular', 'the language is remembered');
  await en.context().close();
  console.log(`screenshots in ${dir}:\n${shots.map((f) => `  ${f}`).join('\n')}`);
});

test('the screen fits a 500-character question and an idle stage', async () => {
  const dir = ensureScreenshotsDir();
  const mod = await page('laptop', event.links.moderator, 'moderator');
  await ready(mod);
  const screen = await page('hd', event.links.screen, 'screen');
  await ready(screen);
  const shortSize = await screen.evaluate(() => parseFloat(getComputedStyle(/** @type {Element} */ (document.getElementById('cur-text'))).fontSize));

  await mod.click('#f-live');
  await mod.locator(`#list li.mq[data-id="${longId}"] [data-action="set_current"]`).click();
  await eventually(async () => assert.match(await screen.textContent('#cur-text') ?? '', /luân chuyển/));
  await screen.waitForTimeout(300);
  const fit = await screen.evaluate(() => {
    const box = /** @type {HTMLElement} */ (document.getElementById('cur-box'));
    const text = /** @type {HTMLElement} */ (document.getElementById('cur-text'));
    return { overflow: text.scrollHeight - box.clientHeight, size: parseFloat(getComputedStyle(text).fontSize) };
  });
  assert.ok(fit.overflow <= 1, `the long question overflows by ${fit.overflow}px`);
  assert.ok(fit.size >= 30, `the long question is still readable from the back: ${fit.size}px`);
  assert.ok(shortSize > fit.size * 1.5, `short questions are larger (${shortSize}px vs ${fit.size}px)`);
  await screen.screenshot({ path: join(dir, 'screen-hd-long.png') });

  await mod.locator('#now-clear').click();
  await screen.locator('#idle').waitFor({ state: 'visible' });
  await screen.waitForTimeout(300);
  await screen.screenshot({ path: join(dir, 'screen-hd-idle.png') });
  await mod.context().close();
  await screen.context().close();
  assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
});
