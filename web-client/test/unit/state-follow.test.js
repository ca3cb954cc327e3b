// The follow-up's part of the held state: topics and officials from the
// snapshot and their changes; an asker's steps surviving the public feed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDelta, fromSnapshot, trackOwn } from '../../app/js/state.js';

/** @returns {import('../../app/js/protocol').Question} */
function q(id, extra = {}) {
  return {
    id, text: `q${id}`, name: null, unit: null, anonymous: false, identity: 'named', status: 'live', votes: 0,
    created_at: id * 1000, ...extra,
  };
}

const settings = {
  pre_moderation: false, allow_anonymous: true, max_length: 500, chair_sets_current: false, roster: false,
  asker_routes: true, screen: { up_next: true, votes: true, routing: false, blank: false },
};

test('topics and officials come with the snapshot and change with deltas', () => {
  const s = fromSnapshot({
    epoch: 'E1', seq: 3, title: 'Hội nghị', join_code: 'ABC234', settings, phase: 'open', current: null,
    questions: [], topics: [{ id: 1, name: 'Bổ nhiệm', official: 's2' }], officials: [{ id: 's2', name: 'Bí thư Tỉnh ủy' }],
  });
  assert.deepEqual(s.topics.map((t) => t.name), ['Bổ nhiệm']);
  applyDelta(s, {
    type: 'delta', epoch: 'E1', prev: 3, seq: 5, changes: [
      { type: 'topics', topics: [{ id: 1, name: 'Bổ nhiệm' }, { id: 2, name: 'Luân chuyển' }] },
      { type: 'officials', officials: [] },
    ],
  });
  assert.deepEqual(s.topics.map((t) => t.id), [1, 2]);
  assert.deepEqual(s.officials, []);
});

test('a snapshot of an older server, without topics, holds none', () => {
  const old = /** @type {any} */ ({
    epoch: 'E1', seq: 1, title: 'T', join_code: 'ABC234', settings, phase: 'open', current: null, questions: [],
  });
  const s = fromSnapshot(old);
  assert.deepEqual([s.topics, s.officials], [[], []]);
});

test('the public copy of an own question keeps the asker\'s steps and merge until the next mine', () => {
  const history = [{ kind: /** @type {const} */ ('in_writing'), at: 5, due: '2026-12-10' }];
  const own = new Map([[1, q(1, { name: 'Bình', status: 'in_writing', history, merged_into: 4 })]]);
  const changed = trackOwn(own, { type: 'question', question: q(1, { status: 'answered_in_writing', answers: [] }) });
  assert.equal(changed, true);
  const mine = own.get(1);
  assert.equal(mine?.status, 'answered_in_writing');
  assert.equal(mine?.name, 'Bình');
  assert.deepEqual(mine?.history, history);
  assert.equal(mine?.merged_into, 4);
});
