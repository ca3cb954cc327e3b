import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionsFor } from '../../app/js/moditem.js';

/** @param {string} status */
const q = (status) => ({ id: 1, text: 't', name: null, unit: null, anonymous: false, status, votes: 0, created_at: 0 });

test('the actions offered follow the status transitions the server allows', () => {
  assert.deepEqual(actionsFor(q('pending'), false), ['approve', 'hide', 'edit']);
  assert.deepEqual(actionsFor(q('live'), false), ['set_current', 'mark_answered', 'hide', 'edit']);
  assert.deepEqual(actionsFor(q('live'), true), ['clear_current', 'mark_answered', 'hide', 'edit']);
  assert.deepEqual(actionsFor(q('answered'), false), ['reopen', 'hide', 'edit']);
  assert.deepEqual(actionsFor(q('hidden'), false), ['restore', 'edit']);
});
