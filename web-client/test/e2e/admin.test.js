// The organiser console (/admin) as an organiser uses it on a laptop: the
// admin token asked for once and kept out of every URL, an event made
// with the form, its links copied, the hall's poster, named staff added,
// renamed, revoked and re-issued; axe on every view; screenshots.
// Roster events (import, cards, a delegate claiming a card) are in
// admin-roster.test.js.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  VIEWPORTS, adminCall, ensureScreenshotsDir, eventually, launchBrowser, pdfPages, startServer, watch,
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

/**
 * An admin API call, to check what the console did.
 * @param {string} method
 * @param {string} path
 */
async function admin(method, path) {
  return (await adminCall(server, method, path)).json;
}

/**
 * Runs axe on the page as it is; returns "serious"/"critical" findings.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {string[]} report every finding, for the log
 */
async function axeScan(page, name, report) {
  await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    // @ts-ignore injected above
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((/** @type {any} */ v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(' ')),
    }));
  });
  for (const v of found) report.push(`${name} ${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(', ')}`);
}

test('login, create an event, copy its links, print the poster, manage staff; axe finds nothing serious', async () => {
  const dir = ensureScreenshotsDir();
  const context = await browser.newContext({ ...VIEWPORTS.laptop, bypassCSP: true, locale: 'vi-VN' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  const problems = watch(page, 'admin');
  /** @type {string[]} */
  const axeReport = [];
  /** @type {string[]} every address the console's tab went to */
  const urls = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) urls.push(f.url()); });
  page.on('request', (r) => urls.push(r.url()));

  await page.goto(`${server.url}/admin`);
  await page.locator('#token').waitFor();
  await axeScan(page, 'login', axeReport);
  await page.screenshot({ path: join(dir, 'admin-login.png') });

  // A wrong token is said so, plainly, and the form stays.
  await page.locator('#token').fill('not-the-token');
  await page.keyboard.press('Enter');
  await page.locator('#login-error', { hasText: 'Mã quản trị không đúng' }).waitFor();
  assert.equal(await page.locator('#token').getAttribute('aria-invalid'), 'true');

  await page.locator('#token').fill(server.adminToken);
  await page.keyboard.press('Enter');
  await page.locator('#events-heading').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('hoidap.admin.token')), server.adminToken);
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing of it in localStorage');
  await page.locator('#events-empty').waitFor();

  // A reload keeps the session (sessionStorage).
  await page.reload();
  await page.locator('#events-heading').waitFor();
  // Another tab asks again: the token lives in this tab only.
  const other = await context.newPage();
  await other.goto(`${server.url}/admin`);
  await other.locator('#token').waitFor();
  await other.close();

  // The keyboard reaches everything, and shows where it is.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const el = /** @type {HTMLElement} */ (document.activeElement);
    return { tag: el.tagName, outline: getComputedStyle(el).outlineStyle };
  });
  assert.notEqual(ring.tag, 'BODY');
  assert.equal(ring.outline, 'solid', `focus is visible on ${ring.tag}`);

  // Create an event with the keyboard.
  await page.locator('#events-new').focus();
  await page.keyboard.press('Enter');
  await page.locator('#form-heading').waitFor();
  await axeScan(page, 'form', axeReport);
  await page.locator('#form-submit').click();
  await page.locator('#f-title-error', { hasText: 'Vui lòng nhập tên hội nghị' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-title', 'focus goes to the first problem');
  await page.keyboard.type('Hội nghị đối thoại giữa lãnh đạo tỉnh với cán bộ chủ chốt năm 2026');
  await page.locator('#f-chair').check();
  await page.locator('#f-max').fill('800');
  await page.locator('#f-id-unit_only').check();
  await page.locator('#f-id-anonymous').check();
  await page.locator('#f-export-clerk').check();
  await page.screenshot({ path: join(dir, 'admin-form.png'), fullPage: true });
  await page.locator('#f-title').press('Enter');
  await page.locator('#ev-title', { hasText: 'Hội nghị đối thoại' }).waitFor();

  const [made] = await admin('GET', '/api/events');
  assert.equal(made.title, 'Hội nghị đối thoại giữa lãnh đạo tỉnh với cán bộ chủ chốt năm 2026');
  const code = made.join_code;
  const { settings } = await admin('GET', `/api/events/${code}`);
  assert.deepEqual(
    [settings.pre_moderation, settings.chair_sets_current, settings.max_length, settings.identities, settings.roster,
      settings.export_roles],
    [true, true, 800, ['named', 'unit_only', 'hidden_from_hall', 'anonymous'], false, ['clerk']],
  );
  await page.locator('#settings-list', { hasText: 'Ẩn danh hoàn toàn' }).waitFor();
  await page.locator('#settings-list dd', { hasText: /^Thư ký$/ }).waitFor();
  // Links: the three kinds, each copyable.
  assert.equal(await page.locator('#link-attendee').inputValue(), made.links.attendee);
  assert.equal(await page.locator('#link-moderator').inputValue(), made.links.moderator);
  assert.equal(await page.locator('#link-screen').inputValue(), made.links.screen);
  await page.locator('[data-copy="link-screen"]').click();
  await page.locator('#toast', { hasText: 'Đã sao chép' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), made.links.screen);
  // A hall's server is plain http at a LAN address: no Clipboard API there
  // (not a secure context). The older copy command still copies.
  const plain = await context.newPage();
  await plain.addInitScript(() => Object.defineProperty(window, 'isSecureContext', { value: false }));
  await plain.goto(`${server.url}/admin#/e/${code}`);
  await plain.locator('#token').fill(server.adminToken);
  await plain.locator('#token').press('Enter');
  await plain.locator('[data-copy="link-attendee"]').click();
  await plain.locator('#toast', { hasText: 'Đã sao chép' }).waitFor();
  assert.equal(await plain.evaluate(() => navigator.clipboard.readText()), made.links.attendee);
  await plain.close();
  await axeScan(page, 'event', axeReport);
  await page.screenshot({ path: join(dir, 'admin-event.png'), fullPage: true });

  // The list shows it with its state and figures.
  await page.locator('a', { hasText: '← Danh sách hội nghị' }).click();
  const item = page.locator(`#events-list li[data-code="${code}"]`);
  await item.waitFor();
  assert.match(await item.textContent() ?? '', /0 câu hỏi · 0 chờ duyệt · 0 kết nối/);
  await axeScan(page, 'events', axeReport);
  await page.screenshot({ path: join(dir, 'admin-events.png') });

  // The poster: A4, the QR code drawn by the server, the code, Vietnamese steps.
  await page.goto(`${server.url}/admin#/e/${code}/poster`);
  await page.locator('#poster .poster-title').waitFor();
  await eventually(async () => assert.ok(await page.locator('.poster-qr').evaluate((img) => /** @type {HTMLImageElement} */ (img).naturalWidth > 0)));
  assert.equal(await page.locator('#poster .poster-code strong').textContent(), code);
  assert.match(await page.locator('#poster').textContent() ?? '', /quét mã QR/);
  await page.emulateMedia({ media: 'print' });
  await page.locator('#poster').screenshot({ path: join(dir, 'admin-poster-print.png') });
  assert.equal(await page.locator('.topbar').isVisible(), false, 'printing shows only the poster');
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  assert.equal(pdfPages(pdf), 1, 'the poster is one A4 page');
  await page.emulateMedia({ media: 'screen' });

  // Staff: a chair and two moderators, each link shown once.
  await page.goto(`${server.url}/admin#/e/${code}/staff`);
  await page.locator('#staff-add').waitFor();
  /** @type {Record<string, string>} */
  const links = {};
  for (const [name, role] of [['Nguyễn Văn Chủ', 'chair'], ['Trần Thị Lan', 'moderator'], ['Lê Văn Hùng', 'moderator']]) {
    await page.locator('#staff-name').fill(name);
    await page.locator('#staff-role').selectOption(role);
    await page.locator('#staff-name').press('Enter');
    await page.locator('#dialog[open] #personal-link').waitFor();
    links[name] = await page.locator('#personal-link').inputValue();
    assert.match(links[name], new RegExp(`/m/${code}#`));
    if (name === 'Nguyễn Văn Chủ') {
      await axeScan(page, 'staff dialog', axeReport);
      await page.screenshot({ path: join(dir, 'admin-staff-link.png') });
    }
    await page.keyboard.press('Escape');
    await page.locator('#dialog').waitFor({ state: 'hidden' });
  }
  await eventually(async () => assert.equal(await page.locator('.staff-table tbody tr').count(), 3));
  const staff = await admin('GET', `/api/events/${code}/staff`);
  assert.deepEqual(staff.map((/** @type {any} */ m) => [m.name, m.role]), [
    ['Nguyễn Văn Chủ', 'chair'], ['Trần Thị Lan', 'moderator'], ['Lê Văn Hùng', 'moderator'],
  ]);

  // Rename and change a role, with the keyboard.
  const hung = staff[2].id;
  await page.locator(`tr[data-id="${hung}"] [data-action="edit"]`).click();
  await page.locator('#staff-edit-name').fill('Lê Văn Hùng (Văn phòng)');
  await page.locator('#staff-edit-role').selectOption('observer');
  await page.locator('#staff-edit-name').press('Enter');
  await page.locator(`tr[data-id="${hung}"]`, { hasText: 'Quan sát viên' }).waitFor();
  const renamed = (await admin('GET', `/api/events/${code}/staff`))[2];
  assert.deepEqual([renamed.name, renamed.role], ['Lê Văn Hùng (Văn phòng)', 'observer']);

  // The chair's personal link opens the panel under their name.
  const panel = await context.newPage();
  await panel.goto(links['Nguyễn Văn Chủ']);
  await panel.locator('.role-name', { hasText: 'Nguyễn Văn Chủ · Chủ tọa' }).waitFor();

  // Revoke (asked first; Cancel is the default), then re-issue.
  const lan = staff[1].id;
  await page.locator(`tr[data-id="${lan}"] [data-action="revoke"]`).click();
  await page.locator('#dialog[open]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'dialog-cancel');
  await page.locator('#dialog-ok').click();
  await page.locator(`tr[data-id="${lan}"]`, { hasText: 'Đã thu hồi' }).waitFor();
  await page.locator(`tr[data-id="${lan}"] [data-action="reissue"]`).click();
  await page.locator('#dialog-ok').click();
  await page.locator('#dialog[open] #personal-link').waitFor();
  const again = await page.locator('#personal-link').inputValue();
  assert.notEqual(again, links['Trần Thị Lan']);
  await page.locator('#dialog-ok').click();
  await page.locator(`tr[data-id="${lan}"]`, { hasText: 'Đang hiệu lực' }).waitFor();
  await axeScan(page, 'staff', axeReport);
  await page.screenshot({ path: join(dir, 'admin-staff.png'), fullPage: true });

  // English, then back.
  await page.locator('.lang-switch').click();
  await page.locator('#staff-add h2', { hasText: 'Add a staff member' }).waitFor();
  await page.screenshot({ path: join(dir, 'admin-staff-en.png'), fullPage: true });
  await page.locator('.lang-switch').click();

  // Logging out forgets the token.
  await page.locator('#logout').click();
  await page.locator('#token').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('hoidap.admin.token')), null);

  assert.ok(!urls.some((u) => u.includes(server.adminToken)), 'the token is never in a URL');
  if (axeReport.length) console.log(`axe findings:\n${axeReport.join('\n')}`);
  assert.deepEqual(axeReport.filter((line) => / (serious|critical) /.test(line)), []);
  // 401: the wrong token, on purpose.
  assert.deepEqual(problems.filter((p) => !/status of 401/.test(p)), []);
  await context.close();
});
