import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL, OUTSIDE, UNASSIGNED, countGroups, formatDue, groupOf, inView, isOverdue, todayIso } from '../../app/js/modcount.js';

const officials = [{ id: 's1', name: 'Nguyễn Văn Hùng' }, { id: 's2', name: 'Trần Thị Mai' }];

/**
 * @param {number} id
 * @param {string} status
 * @param {object} [more]
 */
const q = (id, status, more = {}) => ({ id, text: 't', name: null, unit: null, anonymous: false, identity: 'named', status, votes: 0, created_at: id, ...more });

test('due dates read as Vietnamese documents write them', () => {
  assert.equal(formatDue('2026-12-03'), '03/12/2026');
  assert.equal(formatDue(undefined), '');
  assert.equal(formatDue('soon'), 'soon');
  assert.equal(todayIso(new Date(2026, 0, 5, 23, 59)), '2026-01-05');
});

test('overdue: past the due day, while a written answer is owed', () => {
  const today = '2026-12-03';
  assert.equal(isOverdue(q(1, 'in_writing', { due: '2026-12-02' }), today), true);
  assert.equal(isOverdue(q(1, 'in_writing', { due: '2026-12-03' }), today), false, 'the due day itself is on time');
  assert.equal(isOverdue(q(1, 'not_satisfied', { due: '2026-11-30' }), today), true);
  assert.equal(isOverdue(q(1, 'answered_in_writing', { due: '2026-11-30' }), today), false, 'answered');
  assert.equal(isOverdue(q(1, 'in_writing'), today), false);
});

test('a question belongs to its official, its outside authority, or nobody yet', () => {
  assert.equal(groupOf(q(1, 'live', { official: 's1' }), officials), 's1');
  assert.equal(groupOf(q(1, 'live', { official: 's9' }), officials), UNASSIGNED, 'an official no longer on the event');
  assert.equal(groupOf(q(1, 'live'), officials), UNASSIGNED);
  assert.equal(groupOf(q(1, 'forwarded', { official: 's1', authority: 'Sở Xây dựng' }), officials), OUTSIDE);
  const answered = { authority: 'Sở Xây dựng', history: [{ kind: 'routed', at: 1 }, { kind: 'forwarded', at: 2 }, { kind: 'answered_in_writing', at: 3 }] };
  assert.equal(groupOf(q(1, 'answered_in_writing', answered), officials), OUTSIDE, 'still the authority once answered');
  const back = { official: 's2', authority: 'Sở Xây dựng', history: [{ kind: 'forwarded', at: 2 }, { kind: 'in_writing', at: 3 }] };
  assert.equal(groupOf(q(1, 'in_writing', back), officials), 's2', 'taken back from the authority');
});

test('counts per official and state, each question once in its group and in all', () => {
  const today = '2026-12-03';
  const qs = [
    q(1, 'pending', { official: 's1' }),
    q(2, 'live', { official: 's1' }),
    q(3, 'live', { official: 's1' }),
    q(4, 'answered', { official: 's2' }),
    q(5, 'in_writing', { official: 's2', due: '2026-12-01' }),
    q(6, 'forwarded', { authority: 'Sở Tài chính' }),
    q(7, 'hidden', { official: 's1' }),
    q(8, 'live', { official: 's1', merged_into: 2 }),
    q(9, 'not_satisfied'),
  ];
  const c = countGroups(qs, officials, 3, today);
  const s1 = c.get('s1');
  assert.deepEqual([s1?.total, s1?.pending, s1?.live, s1?.current], [3, 1, 1, 1], 'hidden and merged are not counted');
  const s2 = c.get('s2');
  assert.deepEqual([s2?.total, s2?.answered, s2?.in_writing, s2?.overdue], [3 - 1, 1, 1, 1]);
  assert.equal(c.get(OUTSIDE)?.forwarded, 1);
  assert.equal(c.get(UNASSIGNED)?.not_satisfied, 1);
  assert.equal(c.get(ALL)?.total, 7);
  assert.equal(c.get(ALL)?.overdue, 1);

  const view = (/** @type {string} */ group, /** @type {any} */ bucket) =>
    qs.filter((x) => inView(/** @type {any} */ (x), { group, bucket }, officials, 3, today)).map((x) => x.id);
  assert.deepEqual(view('s1', null), [1, 2, 3, 7, 8], 'a group alone leaves the status filter to the tabs');
  assert.deepEqual(view('s1', 'live'), [2]);
  assert.deepEqual(view(ALL, 'current'), [3]);
  assert.deepEqual(view(ALL, 'overdue'), [5]);
  assert.deepEqual(view(OUTSIDE, null), [6]);
});
