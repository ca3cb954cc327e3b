import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  answeredTab, canObject, defaultOfficial, formatDay, formatDue, routeNames, standing, stepWords,
} from '../../app/js/followfmt.js';
import { STRINGS, t } from '../../app/js/i18n.js';

/** @typedef {import('../../app/js/protocol').Question} Question */

/**
 * @param {Partial<Question>} over
 * @returns {Question}
 */
function q(over) {
  return {
    id: 1, text: 'Câu hỏi', name: null, unit: null, anonymous: false, identity: 'named', status: 'live', votes: 0,
    created_at: 1000, ...over,
  };
}

/** @param {import('../../app/js/followfmt.js').Words} w @param {'vi' | 'en'} [lang] */
const say = (w, lang = 'vi') => t(lang, w.key, w.params);

test('due days and moments read as dd/mm/yyyy; a malformed day is shown as it came', () => {
  assert.equal(formatDue('2026-12-10'), '10/12/2026');
  assert.equal(formatDue('10.12.2026'), '10.12.2026');
  const at = new Date(2026, 0, 5, 23, 59).getTime();
  assert.equal(formatDay(at), '05/01/2026');
});

test('where a question stands, in words, for every status', () => {
  assert.equal(say(standing(q({ status: 'pending' }), null)), 'Chờ chủ tọa duyệt; hội trường chưa thấy câu hỏi.');
  assert.equal(say(standing(q({ status: 'live' }), null)), 'Đang trong danh sách câu hỏi.');
  assert.equal(say(standing(q({ status: 'live' }), 1)), 'Đang được trả lời trực tiếp.');
  assert.equal(say(standing(q({ status: 'answered' }), null)), 'Đã trả lời trực tiếp tại hội nghị.');
  assert.equal(say(standing(q({ status: 'hidden' }), null)), 'Không hiển thị với hội trường.');
  assert.equal(say(standing(q({ status: 'in_writing', due: '2026-12-10' }), null)), 'Sẽ trả lời bằng văn bản, hạn 10/12/2026.');
  assert.equal(say(standing(q({ status: 'in_writing', due: '2026-12-10' }), null), 'en'), 'To be answered in writing by 10/12/2026.');
  assert.equal(say(standing(q({ status: 'in_writing' }), null)), 'Sẽ trả lời bằng văn bản.');
  assert.equal(say(standing(q({ status: 'forwarded', authority: 'Sở Tài chính' }), null)), 'Đã chuyển Sở Tài chính.');
  assert.equal(
    say(standing(q({ status: 'forwarded', authority: 'Sở Tài chính', due: '2027-01-04' }), null)),
    'Đã chuyển Sở Tài chính, hạn trả lời 04/01/2027.',
  );
  assert.equal(say(standing(q({ status: 'answered_in_writing' }), null)), 'Đã trả lời bằng văn bản.');
  assert.equal(say(standing(q({ status: 'not_satisfied' }), null)), 'Chưa thỏa đáng — đang chờ trả lời lại.');
  // A merge says so, whatever the status and even while current elsewhere.
  assert.equal(say(standing(q({ status: 'live', merged_into: 12 }), 1)), 'Đã gộp với câu #12.');
  // Every status has its sentence and its chip, in both languages.
  for (const status of /** @type {const} */ (['pending', 'live', 'answered', 'hidden', 'in_writing', 'forwarded', 'answered_in_writing', 'not_satisfied'])) {
    const w = standing(q({ status, due: '2026-12-10', authority: 'X' }), null);
    for (const lang of /** @type {const} */ (['vi', 'en'])) {
      assert.ok(Object.hasOwn(STRINGS[lang], w.key), `${lang} ${w.key}`);
      assert.ok(Object.hasOwn(STRINGS[lang], `status.${status}`), `${lang} status.${status}`);
    }
  }
});

test('only an answered question, live or in writing and not merged, can be found wanting', () => {
  assert.equal(canObject(q({ status: 'answered' })), true);
  assert.equal(canObject(q({ status: 'answered_in_writing' })), true);
  for (const status of /** @type {const} */ (['pending', 'live', 'hidden', 'in_writing', 'forwarded', 'not_satisfied'])) {
    assert.equal(canObject(q({ status })), false, status);
  }
  assert.equal(canObject(q({ status: 'answered', merged_into: 3 })), false);
});

test('each step reads as a line, its reason apart', () => {
  const at = new Date(2026, 11, 3, 10).getTime();
  const words = (/** @type {import('../../app/js/protocol').Step} */ s) => {
    const w = stepWords(s);
    return [w.day, say(w.what), w.reason ? say(w.reason) : null];
  };
  assert.deepEqual(words({ kind: 'routed', at, to: 'Chủ tịch UBND tỉnh' }), ['03/12/2026', 'Chuyển đến Chủ tịch UBND tỉnh', null]);
  assert.deepEqual(words({ kind: 'routed', at }), ['03/12/2026', 'Chuyển lĩnh vực', null]);
  assert.deepEqual(words({ kind: 'in_writing', at, due: '2026-12-10' }), ['03/12/2026', 'Sẽ trả lời bằng văn bản, hạn 10/12/2026', null]);
  assert.deepEqual(
    words({ kind: 'due_extended', at, due: '2026-12-17', reason: 'Cần ý kiến Sở Tài chính' }),
    ['03/12/2026', 'Gia hạn trả lời đến 17/12/2026', 'Lý do: Cần ý kiến Sở Tài chính'],
  );
  assert.deepEqual(words({ kind: 'forwarded', at, to: 'Sở Tài chính' }), ['03/12/2026', 'Chuyển Sở Tài chính', null]);
  assert.deepEqual(words({ kind: 'merged', at, to: '#7' }), ['03/12/2026', 'Gộp với câu #7', null]);
  for (const kind of /** @type {const} */ (['answered_live', 'answered_in_writing', 'not_satisfied', 'unmerged'])) {
    const w = stepWords({ kind, at });
    for (const lang of /** @type {const} */ (['vi', 'en'])) assert.ok(Object.hasOwn(STRINGS[lang], w.what.key), `${lang} ${kind}`);
  }
});

test('topic and addressee by name; a topic\'s default official only while they are one', () => {
  const topics = [{ id: 1, name: 'Bổ nhiệm', official: 's2' }, { id: 2, name: 'Luân chuyển', official: 's9' }, { id: 3, name: 'Chung' }];
  const officials = [{ id: 's2', name: 'Bí thư Tỉnh ủy' }];
  assert.deepEqual(routeNames(q({ topic: 1, official: 's2' }), topics, officials), { topic: 'Bổ nhiệm', official: 'Bí thư Tỉnh ủy' });
  assert.deepEqual(routeNames(q({}), topics, officials), { topic: '', official: '' });
  assert.equal(defaultOfficial(topics, officials, 1), 's2');
  assert.equal(defaultOfficial(topics, officials, 2), '', 's9 is no longer an official');
  assert.equal(defaultOfficial(topics, officials, 3), '');
  assert.equal(defaultOfficial(topics, officials, null), '');
});

test('the answered tab: answered ones latest answer first; the rest waiting, earliest due first', () => {
  const answer = (/** @type {number} */ at) => ({ id: 1, text: 'Trả lời', signed_by: 'X', published: true, at });
  const all = [
    q({ id: 1, status: 'answered', created_at: 100 }),
    q({ id: 2, status: 'answered_in_writing', created_at: 50, answers: [answer(500)] }),
    q({ id: 3, status: 'in_writing', due: '2026-12-20' }),
    q({ id: 4, status: 'forwarded', due: '2026-12-10' }),
    q({ id: 5, status: 'not_satisfied' }),
    q({ id: 6, status: 'live' }),
    q({ id: 7, status: 'pending' }),
  ];
  const { done, waiting } = answeredTab(all);
  assert.deepEqual(done.map((x) => x.id), [2, 1]);
  assert.deepEqual(waiting.map((x) => x.id), [4, 3, 5]);
});
