import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter, MAX_LINE_CHARS } from './line-splitter.js';

function splitter(): { lines: string[]; s: LineSplitter } {
  const lines: string[] = [];
  return { lines, s: new LineSplitter((line) => lines.push(line)) };
}

test('LineSplitter: CRLF and LF lines, CR kept inside a line', () => {
  const { lines, s } = splitter();
  s.push(Buffer.from('one\r\ntwo\nthree\r\n\r\na\rb\n'));
  assert.deepEqual(lines, ['one', 'two', 'three', '', 'a\rb']);
});

test('LineSplitter: a CR and its LF in different chunks', () => {
  const { lines, s } = splitter();
  s.push(Buffer.from('first\r'));
  assert.deepEqual(lines, []);
  s.push(Buffer.from('\nsecond\r\n'));
  assert.deepEqual(lines, ['first', 'second']);
});

test('LineSplitter: a line split across several chunks arrives once, whole', () => {
  const { lines, s } = splitter();
  s.push(Buffer.from('{"type":'));
  s.push(Buffer.from('"turn.'));
  s.push(Buffer.from('started"}\r\n{"ty'));
  assert.deepEqual(lines, ['{"type":"turn.started"}']);
  s.push(Buffer.from('pe":"x"}\r\n'));
  assert.deepEqual(lines, ['{"type":"turn.started"}', '{"type":"x"}']);
});

test('LineSplitter: multi-byte UTF-8 split across chunks is decoded intact', () => {
  const { lines, s } = splitter();
  const text = 'héllo 🎉 “quoted” 日本\n';
  const bytes = Buffer.from(text);
  // One byte at a time: every multi-byte character is cut.
  for (let i = 0; i < bytes.length; i += 1) s.push(bytes.subarray(i, i + 1));
  assert.deepEqual(lines, ['héllo 🎉 “quoted” 日本']);
  const emoji = Buffer.from('🎉\n');
  const second = splitter();
  second.s.push(emoji.subarray(0, 1));
  second.s.push(emoji.subarray(1, 3));
  second.s.push(emoji.subarray(3));
  assert.deepEqual(second.lines, ['🎉']);
});

test('LineSplitter: end() flushes the last partial line, without its CR', () => {
  const a = splitter();
  a.s.push(Buffer.from('done\nno newline'));
  assert.deepEqual(a.lines, ['done']);
  a.s.end();
  assert.deepEqual(a.lines, ['done', 'no newline']);
  const b = splitter();
  b.s.push(Buffer.from('tail\r'));
  b.s.end();
  assert.deepEqual(b.lines, ['tail']);
  const c = splitter();
  c.s.push(Buffer.from('complete\n'));
  c.s.end();
  assert.deepEqual(c.lines, ['complete']);
  const d = splitter();
  d.s.end();
  assert.deepEqual(d.lines, []);
});

test('LineSplitter: end() completes a UTF-8 character cut at the end of the stream', () => {
  const { lines, s } = splitter();
  s.push(Buffer.from('ok '));
  s.push(Buffer.from('é').subarray(0, 1));
  s.end();
  assert.deepEqual(lines, ['ok \ufffd']);
});

test('LineSplitter: an over-long line is skipped and the next line still arrives', () => {
  const { lines, s } = splitter();
  s.push(Buffer.from('before\n'));
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const chunks = Math.ceil(MAX_LINE_CHARS / chunk.length) + 2;
  for (let i = 0; i < chunks; i += 1) s.push(chunk);
  s.push(Buffer.from('xxxx\r\nafter\r\n'));
  assert.deepEqual(lines, ['before', 'after']);
  s.push(Buffer.from('and more\n'));
  assert.deepEqual(lines, ['before', 'after', 'and more']);
});

test('LineSplitter: an over-long last line is not flushed by end()', () => {
  const { lines, s } = splitter();
  const chunk = Buffer.alloc(512 * 1024, 'y');
  for (let i = 0; i <= MAX_LINE_CHARS / chunk.length; i += 1) s.push(chunk);
  s.end();
  assert.deepEqual(lines, []);
});

test('LineSplitter: a line just under the limit is delivered', () => {
  const { lines, s } = splitter();
  const body = 'z'.repeat(MAX_LINE_CHARS - 1);
  s.push(Buffer.from(body.slice(0, 1000)));
  s.push(Buffer.from(`${body.slice(1000)}\n`));
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.length, MAX_LINE_CHARS - 1);
});
