import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  askerText, buildReport, cssString, daysBetween, dmy, tally, vnDateTime, vnDay,
} from '../../app/js/reportfmt.js';

/** @typedef {import('../../app/js/reportfmt.js').ExportQuestion} Q */

// 2026-12-04 23:30 UTC is already 5 December in Vietnam.
const LATE_EVENING_UTC = Date.UTC(2026, 11, 4, 23, 30);

/**
 * @param {number} id
 * @param {Partial<Q>} over
 * @returns {Q}
 */
function q(id, over = {}) {
  return {
    id, topic: null, addressed_to: null, official: null, identity: 'named', name: 'Nguyễn Văn An',
    unit: 'Sở Nội vụ', text: `Câu hỏi ${id}`, original_text: null, votes: 0, status: 'live',
    asked_at: Date.UTC(2026, 11, 4, 2, 0), answered_live_at: null, due: null, forwarded_to: null,
    answers: [], merged_into: null, ...over,
  };
}

const levels = (/** @type {string} */ l) => `<${l}>`;

test('dates and times are Vietnam\'s, whatever the machine\'s zone', () => {
  assert.equal(vnDay(LATE_EVENING_UTC), '2026-12-05');
  assert.equal(vnDateTime(LATE_EVENING_UTC), '05/12/2026 06:30');
  assert.equal(dmy('2026-01-09'), '09/01/2026');
  assert.equal(daysBetween('2026-12-28', '2027-01-04'), 7);
  assert.equal(daysBetween('2026-12-05', '2026-12-04'), -1);
});

test('tallies: most first, then by name, the ones without a key last', () => {
  const qs = [q(1, { topic: 'Đất đai' }), q(2, { topic: null }), q(3, { topic: 'Y tế' }), q(4, { topic: 'Y tế' }), q(5, { topic: 'Biên chế' })];
  assert.deepEqual(tally(qs, (x) => x.topic), [
    { key: 'Y tế', count: 2 }, { key: 'Biên chế', count: 1 }, { key: 'Đất đai', count: 1 }, { key: null, count: 1 },
  ]);
});

test('the asker as the export names them; anonymous to everyone by level only', () => {
  assert.equal(askerText(q(1), levels), 'Nguyễn Văn An, Sở Nội vụ');
  assert.equal(askerText(q(1, { identity: 'unit_only', name: null }), levels), 'Sở Nội vụ');
  assert.equal(askerText(q(1, { identity: 'hidden_from_hall' }), levels), 'Nguyễn Văn An, Sở Nội vụ (<hidden_from_hall>)');
  assert.equal(askerText(q(1, { identity: 'anonymous', name: null, unit: null }), levels), '<anonymous>');
  // Even if a name were there, an anonymous question shows none.
  assert.equal(askerText(q(1, { identity: 'anonymous' }), levels), '<anonymous>');
  assert.equal(askerText(q(1, { name: null, unit: null }), levels), '<named>');
});

test('the report: counts, live answers in order, overdue by Vietnam\'s day, forwarded, merged counted once', () => {
  const data = {
    event: { title: 'Đối thoại', join_code: 'K7PQ2M', exported_at: LATE_EVENING_UTC, entries_seq: 40 },
    questions: [
      q(1, { status: 'answered', answered_live_at: Date.UTC(2026, 11, 4, 3, 10), topic: 'Đất đai', addressed_to: 'Chủ tịch' }),
      q(2, { status: 'answered', answered_live_at: Date.UTC(2026, 11, 4, 2, 50), topic: 'Đất đai' }),
      q(3, { status: 'in_writing', due: '2026-12-04', addressed_to: 'Chủ tịch', unit: 'UBND huyện' }),
      q(4, { status: 'in_writing', due: '2026-12-05' }),
      q(5, { status: 'answered_in_writing', due: '2026-11-01', answers: [{ text: 'Đã có.', signed_by: 'Chủ tịch', published_at: 1 }] }),
      q(6, { status: 'forwarded', forwarded_to: 'Sở Tài nguyên và Môi trường' }),
      q(7, { status: 'pending', merged_into: 1 }),
      q(8, { status: 'hidden', topic: 'Đất đai' }),
      q(9, { status: 'live', identity: 'anonymous', name: null, unit: null, asked_at: Date.UTC(2026, 11, 5, 1, 0) }),
    ],
  };
  const r = buildReport(/** @type {any} */ (data), LATE_EVENING_UTC);
  assert.equal(r.today, '2026-12-05');
  assert.equal(r.total, 8);
  assert.equal(r.merged, 1);
  assert.deepEqual(r.byStatus, [
    { key: 'live', count: 1 }, { key: 'answered', count: 2 }, { key: 'in_writing', count: 2 },
    { key: 'answered_in_writing', count: 1 }, { key: 'forwarded', count: 1 }, { key: 'hidden', count: 1 },
  ]);
  // The hidden one is not a topic's question; the merged one counts in #1.
  assert.deepEqual(r.byTopic[0], { key: 'Đất đai', count: 2 });
  // Unassigned last, even when they are the most.
  assert.deepEqual(r.byOfficial, [{ key: 'Chủ tịch', count: 2 }, { key: null, count: 5 }]);
  assert.deepEqual(r.byUnit.at(-1), { key: null, count: 1 });
  assert.deepEqual(r.live.map((x) => x.id), [2, 1]);
  // Due on the 4th is one day late on the 5th (Vietnam's); due today is not late;
  // an answered one is never late.
  assert.deepEqual(r.written.map((w) => [w.question.id, w.overdueDays]), [[3, 1], [4, 0], [5, 0]]);
  assert.deepEqual(r.overdue.map((w) => w.question.id), [3]);
  assert.deepEqual(r.forwarded.map((x) => x.forwarded_to), ['Sở Tài nguyên và Môi trường']);
  assert.deepEqual(r.answers.map((x) => x.id), [5]);
  assert.equal(r.firstDay, '2026-12-04');
  assert.equal(r.lastDay, '2026-12-05');
  assert.equal(r.chainHead, null);
  const withHead = buildReport(/** @type {any} */ ({ ...data, event: { ...data.event, chain_head: 'ab'.repeat(32) } }), LATE_EVENING_UTC);
  assert.equal(withHead.chainHead, 'ab'.repeat(32));
});

test('an empty event still has a day: the export\'s', () => {
  const r = buildReport({ event: { title: 'T', join_code: 'C', exported_at: LATE_EVENING_UTC, entries_seq: 1 }, questions: [] }, LATE_EVENING_UTC);
  assert.equal(r.firstDay, '2026-12-05');
  assert.equal(r.total, 0);
  assert.deepEqual(r.byStatus, []);
});

test('a title cannot end the CSS string it is put in', () => {
  assert.equal(cssString('Hội nghị "A" \\ B\nC'), '"Hội nghị \\"A\\" \\\\ B C"');
});
