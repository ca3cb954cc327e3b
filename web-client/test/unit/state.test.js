import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyDelta, compareRank, compareRecent, countByStatus, currentQuestion, deltaVerdict, fromSnapshot,
  mineRows, trackOwn, upNext,
} from '../../app/js/state.js';

/** @returns {import('../../app/js/protocol').Question} */
function q(id, votes = 0, created_at = id * 1000, status = 'live', extra = {}) {
  return { id, text: `q${id}`, name: null, unit: null, anonymous: false, status, votes, created_at, ...extra };
}

function snap(questions = [q(1), q(2)], seq = 10) {
  return fromSnapshot({
    epoch: 'E1', seq, title: 'Hội nghị', join_code: 'ABC234',
    settings: { pre_moderation: true, allow_anonymous: true, max_length: 500 },
    phase: 'open', current: null, questions,
  });
}

function delta(prev, seq, changes = [], epoch = 'E1') {
  return { type: 'delta', epoch, prev, seq, changes };
}

test('delta verdicts: continue, overlap, old, gap, other epoch', () => {
  const s = snap();
  assert.equal(deltaVerdict(s, delta(10, 12)), 'apply');
  // The public feed may skip positions that only moderators saw: a delta
  // starting before what we hold still applies (absolute values).
  assert.equal(deltaVerdict(s, delta(8, 12)), 'apply');
  assert.equal(deltaVerdict(s, delta(8, 10)), 'skip');
  assert.equal(deltaVerdict(s, delta(5, 9)), 'skip');
  assert.equal(deltaVerdict(s, delta(11, 12)), 'gap');
  assert.equal(deltaVerdict(s, delta(10, 12, [], 'E2')), 'gap');
  assert.equal(deltaVerdict(null, delta(0, 1)), 'gap');
});

test('applyDelta applies changes in order and advances seq', () => {
  const s = snap();
  const verdict = applyDelta(s, delta(10, 13, [
    { type: 'question', question: q(3, 0, 3000, 'live') },
    { type: 'votes', counts: [{ id: 2, votes: 4 }, { id: 99, votes: 1 }] },
    { type: 'current', question: 2 },
    { type: 'settings', settings: { pre_moderation: false, allow_anonymous: false, max_length: 300 } },
    { type: 'phase', phase: 'voting_only' },
  ]));
  assert.equal(verdict, 'apply');
  assert.equal(s.seq, 13);
  assert.equal(s.questions.size, 3);
  assert.equal(s.questions.get(2).votes, 4);
  assert.equal(s.questions.has(99), false);
  assert.equal(currentQuestion(s).id, 2);
  assert.equal(s.settings.max_length, 300);
  assert.equal(s.phase, 'voting_only');
  // The same delta again changes nothing.
  assert.equal(applyDelta(s, delta(10, 13, [{ type: 'removed', id: 1 }])), 'skip');
  assert.equal(s.questions.size, 3);
});

test('removed drops the question and clears it as current', () => {
  const s = snap();
  applyDelta(s, delta(10, 11, [{ type: 'current', question: 1 }]));
  applyDelta(s, delta(11, 12, [{ type: 'removed', id: 1 }]));
  assert.equal(s.current, null);
  assert.equal(s.questions.has(1), false);
  assert.equal(currentQuestion(s), null);
});

test('unknown change kinds from a newer server are ignored', () => {
  const s = snap();
  assert.equal(applyDelta(s, delta(10, 11, [{ type: 'merged', into: 1 }])), 'apply');
  assert.equal(s.seq, 11);
});

test('ranking: votes desc, then older, then id', () => {
  const list = [q(1, 0, 500), q(2, 3, 900), q(3, 3, 100), q(4, 0, 500)];
  assert.deepEqual(list.sort(compareRank).map((x) => x.id), [3, 2, 1, 4]);
  assert.deepEqual([q(1, 0, 1), q(2, 0, 3), q(3, 0, 3)].sort(compareRecent).map((x) => x.id), [3, 2, 1]);
});

test('upNext: live only, without the current, ranked; optimistic votes count', () => {
  const s = snap([q(1, 1), q(2, 5), q(3, 9, 1, 'answered'), q(4, 2), q(5, 0, 1, 'pending')]);
  s.current = 2;
  assert.deepEqual(upNext(s).map((x) => x.id), [4, 1]);
  assert.deepEqual(upNext(s, (x) => (x.id === 1 ? 3 : x.votes)).map((x) => x.id), [1, 4]);
});

test('countByStatus', () => {
  const c = countByStatus([q(1), q(2, 0, 1, 'pending'), q(3, 0, 1, 'pending'), q(4, 0, 1, 'hidden')]);
  assert.deepEqual(c, {
    pending: 2, live: 1, answered: 0, hidden: 1, in_writing: 0, forwarded: 0, answered_in_writing: 0, not_satisfied: 0, all: 4,
  });
});

test('trackOwn: status from the public feed, own name kept, removal means hidden', () => {
  const own = new Map([[7, q(7, 0, 1, 'pending', { anonymous: true, name: 'Lê Văn A', unit: 'Sở Nội vụ' })]]);
  assert.equal(trackOwn(own, { type: 'question', question: q(8) }), false);
  assert.equal(trackOwn(own, { type: 'question', question: q(7, 0, 1, 'live', { anonymous: true }) }), true);
  assert.equal(own.get(7).status, 'live');
  assert.equal(own.get(7).name, 'Lê Văn A');
  assert.equal(trackOwn(own, { type: 'votes', counts: [{ id: 7, votes: 3 }] }), true);
  assert.equal(own.get(7).votes, 3);
  assert.equal(trackOwn(own, { type: 'removed', id: 7 }), true);
  assert.equal(own.get(7).status, 'hidden');
});

test('my questions: unsent ones first, then refused ones, then the server\'s, newest first', () => {
  const outbox = [
    { id: 'r1', action: { type: 'ask', text: 'cũ hơn', anonymous: false } },
    { id: 'r2', action: { type: 'vote', question: 1, up: true } },
    { id: 'r3', action: { type: 'ask', text: 'mới hơn', anonymous: false } },
  ];
  const refused = new Map([['r0', { text: 'bị từ chối', code: 'phase_closed' }]]);
  const own = [q(1, 0, 1000, 'pending'), q(2, 0, 2000, 'live')];
  const rows = mineRows(outbox, refused, own, 2, false);
  assert.deepEqual(rows.map((r) => [r.key, r.text, r.status, r.error]), [
    ['r3', 'mới hơn', 'queued', ''],
    ['r1', 'cũ hơn', 'queued', ''],
    ['r0', 'bị từ chối', 'failed', 'phase_closed'],
    [2, 'q2', 'current', ''],
    [1, 'q1', 'pending', ''],
  ]);
  assert.equal(mineRows(outbox, new Map(), [], null, true)[0].status, 'sending');
});

test('my questions: a sent question the server already lists shows once, as the server has it', () => {
  // After a reconnect `mine` lists the question before the ack of its resent
  // copy arrives: the outbox still holds it then.
  const outbox = [
    { id: 'r1', action: { type: 'ask', text: 'q2', anonymous: false }, sent: true },
    { id: 'r2', action: { type: 'ask', text: 'q1', anonymous: false }, sent: false },
  ];
  const own = [q(1, 0, 1000, 'live'), q(2, 0, 2000, 'live')];
  assert.deepEqual(mineRows(outbox, new Map(), own, null, true).map((r) => [r.key, r.status]), [
    ['r2', 'sending'], // never left: it cannot be question 1, whatever its text
    [2, 'live'],
    [1, 'live'],
  ]);
  // The same words asked twice, both possibly applied: one server question stands for one entry.
  const twice = [
    { id: 'a', action: { type: 'ask', text: 'q2', anonymous: false }, sent: true },
    { id: 'b', action: { type: 'ask', text: 'q2', anonymous: false }, sent: true },
  ];
  assert.deepEqual(mineRows(twice, new Map(), [q(2)], null, true).map((r) => r.key), ['a', 2]);
});

test('a vote count carries the moderators\' source share, and clears it when absent', () => {
  const s = snap();
  applyDelta(s, delta(10, 11, [{ type: 'votes', counts: [{ id: 1, votes: 12, votes_top_source_share: 92 }] }]));
  assert.equal(s.questions.get(1).votes_top_source_share, 92);
  applyDelta(s, delta(11, 12, [{ type: 'votes', counts: [{ id: 1, votes: 13 }] }]));
  assert.equal(s.questions.get(1).votes, 13);
  assert.equal('votes_top_source_share' in s.questions.get(1), false);
});
