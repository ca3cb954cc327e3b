import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ago, apiErrorText, chunk, parseRoute, problemText, qrPath, rosterType, rowErrorText,
} from '../../app/js/adminfmt.js';

test('bad roster rows are said in words, with their field and figures', () => {
  assert.equal(rowErrorText('vi', { line: 12, code: 'empty_name' }), 'Thiếu họ và tên.');
  assert.equal(
    rowErrorText('vi', { line: 3, code: 'too_long', field: 'unit', len: 240, max: 200 }),
    'Đơn vị dài 240 ký tự, tối đa 200.',
  );
  assert.equal(
    rowErrorText('en', { line: 3, code: 'invalid_characters', field: 'name', code_point: 'U+200b' }),
    'Name has a character that is not allowed (U+200B).',
  );
  assert.match(rowErrorText('en', { line: 3, code: 'invalid_characters', field: 'name', code_point: 8203 }), /U\+200B/);
  assert.equal(rowErrorText('vi', { line: 9, code: 'duplicate', first_line: 4 }), 'Trùng với dòng 4 (cùng họ tên và đơn vị).');
  assert.match(rowErrorText('vi', { line: 9, code: 'on_roster', id: 'd4' }), /đã có trong danh sách/);
  // A reason this console does not know: the server's own words.
  assert.equal(rowErrorText('vi', { line: 2, code: 'new_kind', message: 'row 2: something' }), 'row 2: something');
});

test('whole-file problems and API errors are translated; unknown ones keep the server words', () => {
  assert.match(problemText('vi', 'not_utf8'), /UTF-8/);
  assert.match(problemText('en', 'no_name_column'), /Họ và tên/);
  assert.equal(problemText('en', 'other', 'the server says'), 'the server says');
  assert.match(apiErrorText('vi', { code: 'unauthorized' }), /không đúng/);
  assert.match(apiErrorText('en', { code: 'not_supported' }), /does not support/);
  assert.match(apiErrorText('en', { code: 'teapot', message: 'short and stout' }), /short and stout/);
});

test('a QR matrix becomes one path of row runs, inside a 4-module quiet zone', () => {
  const bits = '110' + '010' + '111';
  assert.equal(qrPath(bits, 3), 'M4 4h2v1h-2zM5 5h1v1h-1zM4 6h3v1h-3z');
  assert.equal(qrPath('0000', 2, 0), '');
  assert.throws(() => qrPath('101', 2));
});

test('cards go 8 to a page', () => {
  const pages = chunk(Array.from({ length: 300 }, (_, i) => i), 8);
  assert.equal(pages.length, 38);
  assert.equal(pages[37].length, 4);
  assert.deepEqual(chunk([], 8), []);
});

test('routes come from the fragment; anything else is the events list', () => {
  assert.deepEqual(parseRoute(''), { view: 'events' });
  assert.deepEqual(parseRoute('#/'), { view: 'events' });
  assert.deepEqual(parseRoute('#/new'), { view: 'new' });
  assert.deepEqual(parseRoute('#/e/k7pq2m'), { view: 'event', code: 'K7PQ2M', part: 'info' });
  assert.deepEqual(parseRoute('#/e/K7PQ2M/cards'), { view: 'event', code: 'K7PQ2M', part: 'cards' });
  assert.deepEqual(parseRoute('#/e/K7PQ2M/nope'), { view: 'events' });
  assert.deepEqual(parseRoute('#/e/<script>'), { view: 'events' });
});

test('file types and times', () => {
  assert.equal(rosterType('Danh sach.XLSX'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.equal(rosterType('ds.csv'), 'text/csv');
  const now = 10 * 86_400_000;
  assert.equal(ago('vi', now - 10_000, now), 'vừa xong');
  assert.equal(ago('en', now - 5 * 60_000, now), '5 min ago');
  assert.equal(ago('vi', now - 3 * 3_600_000, now), '3 giờ trước');
  assert.equal(ago('en', now - 3 * 86_400_000, now), '3 days ago');
});
