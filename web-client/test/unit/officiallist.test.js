import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  counts, currentDraft, formatDay, formatMoment, isOverdue, isWritable, notSatisfiedReason, publishedAnswers,
  sections, todayInVietnam,
} from '../../app/js/officiallist.js';

/**
 * @param {number} id
 * @param {Partial<import('../../app/js/protocol').Question>} fields
 * @returns {import('../../app/js/protocol').Question}
 */
const q = (id, fields) => ({
  id,
  text: `Câu hỏi ${id}`,
  name: null,
  unit: null,
  anonymous: false,
  identity: 'named',
  status: 'in_writing',
  votes: 0,
  created_at: id * 1000,
  official: 's1',
  ...fields,
});

test('today is the date in Vietnam (UTC+7), whatever the device zone', () => {
  // 2026-12-03 16:59 UTC is already 4 December in Hà Nội.
  assert.equal(todayInVietnam(Date.UTC(2026, 11, 3, 16, 59)), '2026-12-03');
  assert.equal(todayInVietnam(Date.UTC(2026, 11, 3, 17, 0)), '2026-12-04');
  assert.equal(formatDay('2026-12-04'), '04/12/2026');
  assert.equal(formatDay('soon'), 'soon');
  assert.equal(formatMoment(Date.UTC(2026, 11, 3, 2, 5)), '03/12/2026 09:05');
});

test('overdue: an answer is owed and its day has passed; the due day itself is not late', () => {
  const today = '2026-12-10';
  assert.equal(isOverdue(q(1, { due: '2026-12-09' }), today), true);
  assert.equal(isOverdue(q(1, { due: '2026-12-10' }), today), false);
  assert.equal(isOverdue(q(1, { due: '2026-12-09', status: 'not_satisfied' }), today), true);
  assert.equal(isOverdue(q(1, { due: '2026-12-01', status: 'answered_in_writing' }), today), false);
  assert.equal(isOverdue(q(1, {}), today), false);
});

test('an official sees their own questions: sent back and late first, then by due date', () => {
  const today = '2026-12-10';
  const all = [
    q(1, { due: '2026-12-20' }),
    q(2, { due: '2026-12-12' }),
    q(3, { due: '2026-12-08' }),
    q(4, { status: 'not_satisfied', due: '2026-12-15', history: [{ kind: 'not_satisfied', at: 5, reason: 'Chưa rõ' }] }),
    q(5, { official: 's2', due: '2026-12-01' }),
    q(6, { status: 'answered_in_writing', answers: [{ id: 1, text: 'Đã xử lý', signed_by: 'A', published: true, at: 9000 }] }),
    q(7, { status: 'answered', created_at: 100 }),
    q(8, { status: 'live' }),
    q(9, { status: 'pending', created_at: 1 }),
    q(10, { status: 'hidden' }),
    q(11, { merged_into: 1 }),
    q(12, { official: undefined }),
    q(13, { status: 'forwarded', authority: 'Sở Tài chính' }),
  ];
  const mine = sections(all, { official: 's1' }, today);
  assert.deepEqual(mine.todo.map((x) => x.id), [3, 4, 2, 1]);
  assert.deepEqual(mine.done.map((x) => x.id), [13, 6, 7]);
  assert.deepEqual(mine.meeting.map((x) => x.id), [9, 8]);
  assert.deepEqual(counts(mine, today), { todo: 4, overdue: 1, done: 2 });

  const clerk = sections(all, { official: null }, today);
  assert.deepEqual(clerk.todo.map((x) => x.id), [5, 3, 4, 2, 1]);
  assert.deepEqual(sections(all, { official: 's2' }, today).todo.map((x) => x.id), [5]);
});

test('the draft is the newest unpublished answer; the reason is the latest "not satisfied"', () => {
  const answers = [
    { id: 1, text: 'Lần 1', signed_by: 'A', published: true, at: 1 },
    { id: 2, text: 'Nháp lần 2', signed_by: 'A', published: false, at: 2, written_by: 'Thư ký' },
  ];
  const x = q(1, {
    status: 'not_satisfied',
    answers,
    history: [
      { kind: 'not_satisfied', at: 1, reason: 'Cũ' },
      { kind: 'answered_in_writing', at: 2 },
      { kind: 'not_satisfied', at: 3, reason: 'Chưa nêu thời hạn' },
    ],
  });
  assert.equal(currentDraft(x)?.id, 2);
  assert.deepEqual(publishedAnswers(x).map((a) => a.id), [1]);
  assert.equal(notSatisfiedReason(x), 'Chưa nêu thời hạn');
  assert.equal(notSatisfiedReason({ ...x, status: 'in_writing' }), null);
  assert.equal(currentDraft(q(2, {})), null);
});

test('drafts are taken in the statuses the server takes them in', () => {
  for (const s of ['in_writing', 'not_satisfied', 'forwarded', 'answered_in_writing']) assert.equal(isWritable(s), true, s);
  for (const s of ['pending', 'live', 'answered', 'hidden']) assert.equal(isWritable(s), false, s);
});
