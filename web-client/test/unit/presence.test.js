import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presenceView } from '../../app/js/presence.js';

/** @returns {import('../../app/js/presence.js').PresenceMsg} */
function msg(over = {}) {
  return {
    type: 'presence', attendees: 3, participants: 2, moderators: 1, screens: 0,
    staff: [
      { id: 's1', name: 'Nguyễn Văn Chủ', role: 'chair', connections: 2 },
      { id: 's2', name: 'Trần Thị Lan', role: 'moderator', connections: 0 },
    ],
    links: { moderator: 0, screen: 0 },
    roster: null,
    ...over,
  };
}

test('no screen: a warning in words; a screen: how many', () => {
  const off = presenceView('vi', msg());
  assert.equal(off.warning, '⚠ Chưa có màn hình chiếu nào kết nối');
  assert.equal(off.screens, 'Màn hình: chưa kết nối');
  const on = presenceView('vi', msg({ screens: 1 }));
  assert.equal(on.warning, '');
  assert.equal(on.screens, 'Màn hình: đã kết nối (1)');
  assert.equal(presenceView('en', msg()).warning, '⚠ No projector screen is connected');
});

test('staff by name and role, connected or not', () => {
  const v = presenceView('vi', msg());
  assert.deepEqual(v.staff.map((s) => [s.name, s.role, s.on, s.state]), [
    ['Nguyễn Văn Chủ', 'Chủ tọa', true, 'đang kết nối (2)'],
    ['Trần Thị Lan', 'Điều hành viên', false, 'chưa kết nối'],
  ]);
  assert.equal(presenceView('en', msg()).staff[1].state, 'not connected');
  assert.equal(v.shared, '');
  assert.equal(presenceView('vi', msg({ links: { moderator: 1, screen: 0 } })).shared, 'Đường dẫn chủ tọa chung: 1 kết nối');
});

test('the hall: participants and devices; a roster when there is one', () => {
  const v = presenceView('vi', msg());
  assert.equal(v.attendees, 'Người tham gia: 2 (3 thiết bị)');
  assert.equal(v.roster, '');
  assert.equal(v.badge, '2 đại biểu đang kết nối');
  const roster = presenceView('vi', msg({ roster: { claimed: 250, present: 230, total: 300 } }));
  assert.equal(roster.roster, 'Đại biểu: 250/300 đã nhận thẻ, 230 đang kết nối');
  assert.equal(roster.badge, '230 đại biểu đang kết nối');
  assert.match(presenceView('en', msg({ roster: { claimed: 1, present: 1, total: 2 } })).roster, /^Delegates: 1\/2 cards claimed, 1 connected$/);
});
