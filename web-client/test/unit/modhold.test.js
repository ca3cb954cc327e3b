import { test } from 'node:test';
import assert from 'node:assert/strict';
import { movesBetween } from '../../app/js/modhold.js';
import { t } from '../../app/js/i18n.js';

test('the changes waiting are the fewest questions to move, not every shifted place', () => {
  assert.equal(movesBetween([1, 2, 3, 4], [1, 2, 3, 4]), 0);
  // The last rises to the top: every place shifts, one question moves.
  assert.equal(movesBetween([1, 2, 3, 4], [4, 1, 2, 3]), 1);
  assert.equal(movesBetween([1, 2, 3, 4], [4, 3, 2, 1]), 3);
  assert.equal(movesBetween([1, 2, 3, 4, 5], [2, 1, 3, 5, 4]), 2);
  // Ids shown but no longer wanted are not counted here (placeholders are).
  assert.equal(movesBetween([1, 9, 2], [2, 1]), 1);
});

test('the cue reads in both languages', () => {
  assert.equal(t('vi', 'mod.hold.other', { n: 3 }), 'Đã tạm dừng sắp xếp · 3 thay đổi đang chờ');
  assert.equal(t('en', 'mod.hold.one', { n: 1 }), 'Order paused · 1 change waiting');
  assert.equal(t('en', 'mod.hold.other', { n: 2 }), 'Order paused · 2 changes waiting');
  assert.equal(t('en', 'mod.hold.apply'), 'Apply order');
});
