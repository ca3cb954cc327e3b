import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Outbox, keyStore, memoryStore, outboxKey, parseEntries, requestId, supersedeKey,
} from '../../app/js/outbox.js';

const ask = (text) => ({ type: 'ask', text, anonymous: false });
const vote = (question, up) => ({ type: 'vote', question, up });

test('a request is stored with its id before anything is sent', () => {
  const store = memoryStore();
  const box = new Outbox(store, () => 1000);
  const { entry, dropped } = box.add(ask('Câu hỏi khi mất mạng'));
  assert.match(entry.id, /^[0-9a-f]{32}$/);
  assert.deepEqual(dropped, []);
  assert.deepEqual(entry, { id: entry.id, action: ask('Câu hỏi khi mất mạng'), sent: false, at: 1000 });
  // Another page load (same storage) sees it, with the same id.
  assert.deepEqual(new Outbox(store).list(), [entry]);
});

test('entries stay in order until answered; an ack or a refusal removes one', () => {
  const box = new Outbox(memoryStore());
  const a = box.add(ask('một')).entry;
  const b = box.add(vote(7, true)).entry;
  const c = box.add(ask('hai')).entry;
  assert.deepEqual(box.list().map((e) => e.id), [a.id, b.id, c.id]);
  assert.equal(box.acked(b.id).entry?.id, b.id);
  assert.equal(box.remove(a.id)?.id, a.id);
  assert.deepEqual(box.list().map((e) => e.id), [c.id]);
  // Answers for ids it does not hold (another tab had them answered) change nothing.
  assert.deepEqual(box.acked('nope'), { entry: undefined, obsolete: [] });
  assert.equal(box.remove('nope'), undefined);
  assert.equal(box.list().length, 1);
});

test('markSent is remembered, once', () => {
  const store = memoryStore();
  const box = new Outbox(store);
  const { entry } = box.add(ask('x'));
  box.markSent(entry.id);
  box.markSent(entry.id);
  box.markSent('unknown');
  assert.equal(new Outbox(store).list()[0].sent, true);
});

test('a vote toggled again before it left is replaced, with a new id', () => {
  const box = new Outbox(memoryStore());
  const first = box.add(vote(3, true)).entry;
  const other = box.add(vote(4, true)).entry;
  const { entry: second, dropped } = box.add(vote(3, false));
  assert.deepEqual(dropped.map((e) => e.id), [first.id]);
  assert.notEqual(second.id, first.id);
  assert.deepEqual(box.list().map((e) => e.action), [vote(4, true), vote(3, false)]);
  assert.deepEqual(box.list().map((e) => e.id), [other.id, second.id]);
});

test('a vote that may have left is kept, and the new wish queued after it', () => {
  const box = new Outbox(memoryStore());
  const first = box.add(vote(3, true)).entry;
  box.markSent(first.id);
  const { entry: second, dropped } = box.add(vote(3, false));
  assert.deepEqual(dropped, []);
  assert.deepEqual(box.list().map((e) => [e.id, e.action.up]), [[first.id, true], [second.id, false]]);
  // What the page shows: the last wish.
  assert.deepEqual([...box.votes()], [[3, false]]);
  // Asks are never collapsed.
  box.add(ask('a'));
  box.add(ask('a'));
  assert.equal(box.list().filter((e) => e.action.type === 'ask').length, 2);
});

test('an ack makes older unanswered requests with the same key obsolete', () => {
  const box = new Outbox(memoryStore());
  const older = box.add(vote(3, true)).entry;
  box.markSent(older.id);
  const q = box.add(ask('giữ lại')).entry;
  const newer = box.add(vote(3, false)).entry;
  box.markSent(newer.id);
  const later = box.add(vote(3, true)).entry;
  const { entry, obsolete } = box.acked(newer.id);
  assert.equal(entry?.id, newer.id);
  assert.deepEqual(obsolete.map((e) => e.id), [older.id]);
  // The ask and the later vote are untouched.
  assert.deepEqual(box.list().map((e) => e.id), [q.id, later.id]);
});

test('keys: votes per question, moderator actions per what they set, asks none', () => {
  assert.equal(supersedeKey(ask('x')), null);
  assert.equal(supersedeKey(vote(5, true)), 'vote:5');
  assert.equal(supersedeKey({ type: 'set_current', question: 5 }), 'current');
  assert.equal(supersedeKey({ type: 'clear_current' }), 'current');
  assert.equal(supersedeKey({ type: 'approve', question: 5 }), 'status:5');
  assert.equal(supersedeKey({ type: 'hide', question: 5 }), 'status:5');
  assert.equal(supersedeKey({ type: 'edit', question: 5, text: 'x' }), 'edit:5');
  assert.equal(supersedeKey({ type: 'set_phase', phase: 'closed' }), 'phase');
  assert.equal(supersedeKey({ type: 'update_settings', pre_moderation: true }), 'settings:pre_moderation');
});

test('damaged storage reads as empty; bad entries are skipped', () => {
  assert.deepEqual(parseEntries(null), []);
  assert.deepEqual(parseEntries('{'), []);
  assert.deepEqual(parseEntries('{"a":1}'), []);
  const good = { id: 'r1', action: ask('x'), sent: true, at: 5 };
  const raw = JSON.stringify([good, null, { id: '', action: ask('x') }, { id: 'x'.repeat(65), action: ask('x') },
    { id: 'r2' }, { id: 'r3', action: { text: 'no type' } }, { id: 'r4', action: vote(1, true) }]);
  assert.deepEqual(parseEntries(raw), [good, { id: 'r4', action: vote(1, true), sent: false, at: 0 }]);
});

test('without working storage the outbox still holds everything for this page', () => {
  const store = { load: () => null, save: () => false };
  const box = new Outbox(store);
  const a = box.add(ask('một')).entry;
  const b = box.add(ask('hai')).entry;
  assert.deepEqual(box.list().map((e) => e.id), [a.id, b.id]);
  box.markSent(a.id);
  box.acked(a.id);
  assert.deepEqual(box.list().map((e) => e.id), [b.id]);
});

test('two tabs share one list: neither overwrites what the other added', () => {
  const values = new Map();
  const load = (k) => values.get(k) ?? null;
  const save = (k, v) => {
    if (v === null) values.delete(k);
    else values.set(k, v);
    return true;
  };
  const key = outboxKey('K7PQ2M', 'attendee');
  assert.equal(key, 'hoidap.outbox.K7PQ2M.attendee');
  const tab1 = new Outbox(keyStore(load, save, key));
  const tab2 = new Outbox(keyStore(load, save, key));
  const a = tab1.add(ask('từ tab 1')).entry;
  const b = tab2.add(ask('từ tab 2')).entry;
  assert.deepEqual(tab1.list().map((e) => e.id), [a.id, b.id]);
  tab2.acked(a.id);
  tab1.acked(b.id);
  assert.deepEqual(tab1.list(), []);
  assert.equal(values.has(key), false, 'an empty outbox leaves nothing behind');
  // Another event or role is another list.
  new Outbox(keyStore(load, save, outboxKey('K7PQ2M', 'moderator'))).add(ask('x'));
  assert.deepEqual(tab1.list(), []);
});

test('request ids are random hex within the 64-character limit', () => {
  const ids = new Set(Array.from({ length: 100 }, requestId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
});
