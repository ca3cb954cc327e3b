import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionsFor, sourceWarning } from '../../app/js/moditem.js';
import { errorText, t } from '../../app/js/i18n.js';

/** @param {string} status */
const q = (status) => ({ id: 1, text: 't', name: null, unit: null, anonymous: false, status, votes: 0, created_at: 0 });

test('the actions offered follow the status transitions the server allows', () => {
  assert.deepEqual(actionsFor(q('pending'), false), ['approve', 'hide', 'edit']);
  assert.deepEqual(actionsFor(q('live'), false), ['set_current', 'mark_answered', 'hide', 'edit']);
  assert.deepEqual(actionsFor(q('live'), true), ['clear_current', 'mark_answered', 'hide', 'edit']);
  assert.deepEqual(actionsFor(q('answered'), false), ['reopen', 'hide', 'edit']);
  assert.deepEqual(actionsFor(q('hidden'), false), ['restore', 'edit']);
});

test('a question whose votes come mostly from one address is flagged, in both languages', () => {
  assert.equal(sourceWarning(undefined), false, 'fewer than 10 votes: no figure');
  assert.equal(sourceWarning(49), false);
  assert.equal(sourceWarning(50), true);
  assert.equal(t('vi', 'mod.source.warn', { n: 92 }), '92% lượt ủng hộ từ cùng một địa chỉ mạng');
  assert.equal(t('en', 'mod.source.warn', { n: 92 }), '92% of votes from one network address');
});

test('rate_limited and quota_exceeded are said in words', () => {
  assert.match(errorText('vi', 'rate_limited'), /quá nhanh/);
  assert.match(errorText('en', 'rate_limited'), /Too fast/);
  assert.notEqual(errorText('vi', 'quota_exceeded'), errorText('vi', 'generic'));
  assert.notEqual(errorText('en', 'quota_exceeded'), errorText('en', 'generic'));
});
