import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attendeeLink, charCount, cleanText, fold, looksLikeCode, matches, normalizeCode, shortLink,
} from '../../app/js/text.js';

test('counts characters after NFC, not bytes or UTF-16 units', () => {
  const composed = 'Công tác đánh giá';
  const decomposed = composed.normalize('NFD');
  assert.notEqual(decomposed.length, composed.length);
  assert.equal(charCount(composed), 17);
  assert.equal(charCount(decomposed), 17);
  assert.equal(charCount('ế'.normalize('NFD')), 1); // e + circumflex + acute
  assert.equal(charCount('😀'), 1); // one scalar value, two UTF-16 units
  assert.equal(charCount(''), 0);
});

test('cleanText: NFC, CRLF to LF, trimmed', () => {
  assert.equal(cleanText('  xếp loại\r\ncán bộ \n'), 'xếp loại\ncán bộ');
  assert.equal(cleanText('đánh giá'.normalize('NFD')), 'đánh giá'.normalize('NFC'));
});

test('fold strips diacritics, đ, and case', () => {
  assert.equal(fold('Đánh giá, XẾP LOẠI cán bộ'), 'danh gia, xep loai can bo');
  assert.equal(fold('Bồi dưỡng   nghiệp vụ'), 'boi duong nghiep vu');
  assert.equal(fold('ĐƯỜNG'), 'duong');
});

test('matches: every word, any order, with or without diacritics', () => {
  const hay = fold('Công tác đánh giá, xếp loại cán bộ năm 2022 có gì mới?');
  assert.ok(matches(hay, 'danh gia'));
  assert.ok(matches(hay, 'đánh giá'));
  assert.ok(matches(hay, 'can bo xep loai'));
  assert.ok(matches(hay, 'DANH GIA'));
  assert.ok(matches(hay, '2022'));
  assert.ok(matches(hay, ''));
  assert.ok(!matches(hay, 'luân chuyển'));
  assert.ok(!matches(hay, 'danh gia luan'));
});

test('join codes: spaces, dashes and case are forgiven', () => {
  assert.equal(normalizeCode(' k7m-2qp '), 'K7M2QP');
  assert.ok(looksLikeCode('K7M2QP'));
  assert.ok(!looksLikeCode(''));
  assert.ok(!looksLikeCode('AB/../C'));
});

test('the attendee link: the server\'s public one, else this page\'s origin', () => {
  assert.equal(attendeeLink('http://192.168.1.20:8080/j/K7PQ2M', 'http://localhost:8080', 'K7PQ2M'), 'http://192.168.1.20:8080/j/K7PQ2M');
  assert.equal(attendeeLink(null, 'http://localhost:8080', 'K7PQ2M'), 'http://localhost:8080/j/K7PQ2M');
  assert.equal(attendeeLink('', 'http://localhost:8080', 'K7PQ2M'), 'http://localhost:8080/j/K7PQ2M');
  assert.equal(shortLink('http://192.168.1.20:8080/j/K7PQ2M'), '192.168.1.20:8080/j/K7PQ2M');
  assert.equal(shortLink('https://hoidap.example.vn/j/K7PQ2M'), 'hoidap.example.vn/j/K7PQ2M');
});
