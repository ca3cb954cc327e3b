// Guards for rules that are easy to break by accident: no HTML parsing of
// strings, nothing inline that the CSP would block, nothing from elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';

const app = new URL('../../app/', import.meta.url);

/** @param {URL} dir @returns {string[]} paths relative to app/ */
function files(dir, prefix = '') {
  return readdirSync(dir).flatMap((name) => {
    const url = new URL(name, dir);
    return statSync(url).isDirectory() ? files(new URL(`${name}/`, dir), `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}
const all = files(app);
const read = (f) => readFileSync(new URL(f, app), 'utf8');

test('scripts never parse strings as HTML or code', () => {
  for (const f of all.filter((f) => f.endsWith('.js'))) {
    const src = read(f).replace(/^\s*\/\/.*$/gm, '');
    for (const bad of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'setAttribute(\'style\'', '.on' + 'error =']) {
      assert.ok(!src.includes(bad), `${f} uses ${bad}`);
    }
  }
});

test('pages have no inline scripts, styles or handlers', () => {
  for (const f of all.filter((f) => f.endsWith('.html'))) {
    const html = read(f);
    assert.ok(!/<style/i.test(html), `${f} has a <style> block`);
    assert.ok(!/\sstyle=/i.test(html), `${f} has a style attribute`);
    assert.ok(!/\son[a-z]+=/i.test(html), `${f} has an inline event handler`);
    for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) {
      assert.match(tag, /\ssrc="\{\{ASSETS\}\}\/js\/[a-z]+\.js"/, `${f}: ${tag}`);
      assert.match(tag, /type="module"/, `${f}: ${tag}`);
    }
  }
});

test('nothing is loaded from another host', () => {
  for (const f of all.filter((f) => /\.(html|css|js)$/.test(f))) {
    const src = read(f);
    assert.ok(!/(src|href)="(https?:)?\/\//i.test(src), `${f} links to another host`);
    assert.ok(!/url\(\s*['"]?(https?:)?\/\//i.test(src), `${f} loads a URL from another host`);
    assert.ok(!/@import/i.test(src), `${f} uses @import`);
    assert.ok(!/@font-face/i.test(src), `${f} loads a web font`);
  }
});

test('assets are referenced through the versioned prefix', () => {
  for (const f of all.filter((f) => f.endsWith('.html'))) {
    for (const [, url] of read(f).matchAll(/(?:src|href)="([^"#]+)"/g)) {
      assert.ok(url === '/' || url.startsWith('{{ASSETS}}/'), `${f}: ${url}`);
    }
  }
});

test('JavaScript files stay small enough to read', () => {
  for (const f of all.filter((f) => f.endsWith('.js'))) {
    const lines = read(f).split('\n').length;
    assert.ok(lines <= 520, `${f} has ${lines} lines`);
  }
});
