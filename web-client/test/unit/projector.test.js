import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewView, projectorLine } from '../../app/js/modprojector.js';

test('the header\'s projector status: connected, none, or not current', () => {
  assert.deepEqual(projectorLine('vi', 1, true), { state: 'on', label: 'Màn hình chiếu:', value: 'đã kết nối (1)', text: 'Màn hình chiếu: đã kết nối (1)' });
  assert.equal(projectorLine('vi', 0, true).text, 'Màn hình chiếu: chưa kết nối');
  // Lost the server: the last count is not shown as if it were true.
  assert.deepEqual([projectorLine('vi', 2, false).state, projectorLine('vi', 2, false).text], ['stale', 'Màn hình chiếu: chưa rõ']);
  assert.equal(projectorLine('en', 1, true).text, 'Projector screen: connected (1)');
});

test('the preview: blank first, then the current question, else the way to join', () => {
  const q = { id: 7, text: 'Câu hỏi đang trả lời?', status: 'live', votes: 0 };
  /** @type {any} */
  const state = {
    title: 'Hội nghị', joinCode: 'AB12CD', current: 7, questions: new Map([[7, q]]),
    settings: { screen: { up_next: true, votes: true, routing: false, blank: false } },
  };
  assert.deepEqual(previewView('vi', state), { mode: 'current', label: 'Đang trả lời', text: 'Câu hỏi đang trả lời?' });
  state.settings.screen.blank = true;
  assert.deepEqual(previewView('vi', state), { mode: 'blank', label: 'Màn hình tắt', text: 'Hội nghị' });
  state.settings.screen.blank = false;
  state.current = null;
  assert.deepEqual(previewView('vi', state), { mode: 'idle', label: 'Chờ câu hỏi', text: 'Mã QR và mã tham gia AB12CD' });
});
