import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOLD_MS, VoteBook } from '../../app/js/votes.js';

test('a tap shows at once, and the server count takes over when it moves', () => {
  const book = new VoteBook();
  const up = book.toggle(1, 4, 0);
  assert.equal(up, true);
  assert.equal(book.has(1), true);
  assert.equal(book.shown(1, 4, 0), 5);
  book.acked(1, true, 100);
  // Ack before the coalesced count: still corrected.
  assert.equal(book.shown(1, 4, 150), 5);
  // The count moved (ours included): the server wins.
  assert.equal(book.shown(1, 5, 200), 5);
  assert.equal(book.shown(1, 7, 200), 7);
  // After the hold, the server count wins even if unchanged.
  assert.equal(book.shown(1, 4, 100 + HOLD_MS + 1), 4);
  book.prune(100 + HOLD_MS + 1);
  assert.equal(book.pending.size, 0);
  assert.equal(book.has(1), true);
});

test('withdrawing a vote counted by the server', () => {
  const book = new VoteBook();
  book.setMine([3]);
  assert.equal(book.has(3), true);
  assert.equal(book.toggle(3, 2, 0), false);
  assert.equal(book.shown(3, 2, 0), 1);
  book.acked(3, false, 10);
  assert.equal(book.shown(3, 2, 20), 1);
  assert.equal(book.shown(3, 1, 30), 1);
  assert.equal(book.has(3), false);
});

test('a refused vote goes back to what the server says', () => {
  const book = new VoteBook();
  book.toggle(2, 0, 0);
  assert.equal(book.shown(2, 0, 0), 1);
  book.failed(2, true);
  assert.equal(book.has(2), false);
  assert.equal(book.shown(2, 0, 1), 0);
});

test('double tap before any answer ends where it started', () => {
  const book = new VoteBook();
  book.toggle(5, 3, 0);
  assert.equal(book.toggle(5, 3, 1), false);
  assert.equal(book.shown(5, 3, 2), 3);
  // The first (up) ack arrives late: it does not settle the later wish.
  book.acked(5, true, 3);
  assert.equal(book.has(5), false);
  book.acked(5, false, 4);
  assert.equal(book.has(5), false);
  assert.equal(book.shown(5, 3, 5), 3);
});

test('mine after a reconnect keeps a tap still in flight', () => {
  const book = new VoteBook();
  book.toggle(9, 0, 0);
  book.setMine([]);
  assert.equal(book.has(9), true);
  assert.equal(book.shown(9, 0, 1), 1);
});

test('a vote queued before a reload shows as cast, counted once', () => {
  const book = new VoteBook();
  book.restore(4, true);
  assert.equal(book.has(4), true);
  // Before the server's word the count is the server's.
  assert.equal(book.shown(4, 2, 0), 2);
  // Not applied yet (mine does not list it): one more is shown.
  book.setMine([], () => 2, new Map([[4, true]]));
  assert.equal(book.shown(4, 2, 1), 3);
  book.acked(4, true, 10);
  assert.equal(book.shown(4, 3, 20), 3);
});

test('a queued vote the server already applied (ack lost) is not counted twice', () => {
  const book = new VoteBook();
  book.restore(4, true);
  book.setMine([4], () => 3, new Map([[4, true]]));
  assert.equal(book.has(4), true);
  assert.equal(book.shown(4, 3, 0), 3);
});

test('mine forgets a wish no longer queued anywhere', () => {
  const book = new VoteBook();
  book.restore(4, true);
  book.toggle(5, 0, 0);
  book.setMine([], () => 0, new Map([[5, true]]));
  assert.equal(book.has(4), false, 'another tab had it answered: the server says no');
  assert.equal(book.has(5), true);
});
