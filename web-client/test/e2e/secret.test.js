// The moderator and screen links carry their secret in the fragment. The
// address bar may be projected to the hall: the pages must take the secret
// out of it at once, and still rejoin when the tab is reloaded.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, launchBrowser, startServer, watch } from './harness.js';

const TITLE = 'Hội nghị tiếp xúc cử tri phường';

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
 * Opens `link`, checks the page joined (`joined` shows the event) and the
 * secret left the address bar, then reloads and checks both again.
 * @param {string} link
 * @param {string} secret
 * @param {(page: import('playwright-core').Page) => Promise<void>} joined
 */
async function joinsWithoutShowingSecret(link, secret, joined) {
  const context = await browser.newContext({ locale: 'vi-VN' });
  const page = await context.newPage();
  const problems = watch(page, link);
  await page.goto(link);
  await joined(page);
  const { pathname } = new URL(link);
  for (const step of ['after load', 'after reload']) {
    assert.ok(!page.url().includes(secret), `${step}: the address bar shows the secret: ${page.url()}`);
    assert.equal(new URL(page.url()).pathname, pathname, step);
    assert.equal(new URL(page.url()).hash, '', step);
    assert.equal(await page.evaluate(() => location.hash), '', step);
    if (step === 'after load') {
      await page.reload();
      await joined(page);
    }
  }
  assert.deepEqual(problems, []);
  return { context, page };
}

test('the moderator and screen pages take the secret out of the address bar and rejoin on reload', async () => {
  const event = await createEvent(server, { title: TITLE });
  const mod = await joinsWithoutShowingSecret(event.links.moderator, event.moderator_secret, async (page) => {
    await page.locator('#title', { hasText: TITLE }).waitFor();
  });
  const screen = await joinsWithoutShowingSecret(event.links.screen, event.screen_secret, async (page) => {
    await page.locator('#idle-code', { hasText: event.join_code }).waitFor();
  });

  // Another tab has no stored secret: it says the full link is needed, in
  // Vietnamese, and in English after the switch.
  const bare = await mod.context.newPage();
  await bare.goto(new URL(`/m/${event.join_code}`, server.url).href);
  const refused = bare.locator('#refused-msg');
  await refused.getByText('cần đường dẫn đầy đủ').waitFor();
  await bare.click('.lang-switch');
  await refused.getByText('needs the full link').waitFor();

  // A wrong secret is refused and not kept: the reload asks for the link.
  const wrong = await screen.context.newPage();
  await wrong.goto(new URL(`/s/${event.join_code}#not-the-secret`, server.url).href);
  await wrong.locator('#refused-msg').getByText('không hợp lệ').waitFor();
  assert.equal(new URL(wrong.url()).hash, '');
  await wrong.reload();
  await wrong.locator('#refused-msg').getByText('cần đường dẫn đầy đủ').waitFor();

  await mod.context.close();
  await screen.context.close();
});
