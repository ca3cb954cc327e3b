import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { STRINGS, errorText, isKey, pickLang, t, votesText } from '../../app/js/i18n.js';
// The console's strings join the tables when its module loads.
import { ADMIN_EN, ADMIN_VI } from '../../app/js/admin-i18n.js';

const app = new URL('../../app/', import.meta.url);

test('both languages have the same keys, none empty', () => {
  assert.deepEqual(Object.keys(STRINGS.en).sort(), Object.keys(STRINGS.vi).sort());
  for (const lang of ['vi', 'en']) {
    for (const [key, text] of Object.entries(STRINGS[lang])) assert.ok(text.trim(), `${lang} ${key} is empty`);
  }
});

test('every data-i18n key used in the pages exists', () => {
  const pages = readdirSync(app).filter((f) => f.endsWith('.html'));
  assert.ok(pages.length >= 4);
  for (const page of pages) {
    const html = readFileSync(new URL(page, app), 'utf8');
    for (const [, key] of html.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)) {
      assert.ok(isKey(key), `${page}: unknown key ${key}`);
    }
  }
});

test('interpolation and plurals', () => {
  assert.equal(t('vi', 'att.ask.counter', { n: 12, max: 500 }), '12/500 ký tự');
  assert.equal(votesText('en', 1), '1 vote');
  assert.equal(votesText('en', 2), '2 votes');
  assert.equal(votesText('vi', 1), '1 lượt ủng hộ');
});

test('errors people can act on are translated; others are generic', () => {
  assert.match(errorText('vi', 'too_long'), /quá dài/);
  assert.match(errorText('en', 'phase_closed'), /session/);
  assert.match(errorText('vi', 'unknown_event'), /Không tìm thấy/);
  assert.equal(errorText('en', 'bad_json'), STRINGS.en['err.generic']);
  assert.equal(errorText('vi', 'something_new'), STRINGS.vi['err.generic']);
});

test('Vietnamese unless English was chosen on this device', () => {
  assert.equal(pickLang(null), 'vi');
  assert.equal(pickLang('en'), 'en');
  assert.equal(pickLang('fr'), 'vi');
});

test('the console brings its own strings, both languages, none shadowing a page string', () => {
  assert.deepEqual(Object.keys(ADMIN_EN).sort(), Object.keys(ADMIN_VI).sort());
  for (const key of Object.keys(ADMIN_VI)) assert.ok(key.startsWith('adm.'), key);
  assert.equal(t('vi', 'adm.title'), 'Trang quản trị');
  assert.equal(t('en', 'adm.title'), 'Organiser console');
});
