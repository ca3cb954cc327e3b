import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, requestId } from '../../app/js/client.js';

test('backoff grows from about half a second to at most ten, with jitter', () => {
  assert.equal(backoffDelay(0, 0), 250);
  assert.equal(backoffDelay(0, 0.999), 500);
  assert.ok(backoffDelay(3, 0.5) > backoffDelay(2, 0.5));
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const r of [0, 0.3, 0.999]) {
      const d = backoffDelay(attempt, r);
      assert.ok(d >= 250 && d <= 10_000, `${attempt} ${r} -> ${d}`);
    }
  }
  assert.ok(backoffDelay(20, 0) >= 5_000);
});

test('request ids are random hex within the 64-character limit', () => {
  const a = requestId();
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.notEqual(a, requestId());
});
