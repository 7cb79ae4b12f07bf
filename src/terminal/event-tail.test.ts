import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { EventTail } from './event-tail.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-event-tail-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const file = (): string => path.join(tmp, `events-${(n += 1)}.ndjson`);
const line = (text: string): string => `${JSON.stringify({ ts: '2026-01-01T00:00:00.000Z', task: 't', type: 'codex.message', text })}\n`;
const texts = (events: unknown[]): string[] => events.map((event) => (event as { text: string }).text);

test('only what was appended since the last read, whole lines only; a missing file gives nothing', () => {
  const events = file();
  let restarts = 0;
  const tail = new EventTail(events, { onRestart: () => (restarts += 1) });
  assert.deepEqual(tail.read(), []);
  writeFileSync(events, line('a') + line('b').slice(0, 10));
  assert.deepEqual(texts(tail.read()), ['a']);
  appendFileSync(events, line('b').slice(10) + 'torn\n' + line('c'));
  assert.deepEqual(texts(tail.read()), ['b', 'c'], 'the torn line is skipped');
  assert.deepEqual(tail.read(), []);
  assert.equal(restarts, 0, 'a file that only grows is never restarted');
});

test('a file that shrank (truncated or replaced) is read again from its start, and onRestart says so before its events', () => {
  const events = file();
  const seen: string[] = [];
  const tail = new EventTail(events, { onRestart: () => seen.push('restart') });
  writeFileSync(events, line('one') + line('two') + line('three'));
  for (const text of texts(tail.read())) seen.push(text);
  writeFileSync(events, line('new'));
  for (const text of texts(tail.read())) seen.push(text);
  assert.deepEqual(seen, ['one', 'two', 'three', 'restart', 'new']);
  appendFileSync(events, line('more'));
  assert.deepEqual(texts(tail.read()), ['more']);
  assert.equal(seen.filter((what) => what === 'restart').length, 1);
});

test('readAll over several reads, and after a truncation: everything of the new file, restarted once', () => {
  const events = file();
  let restarts = 0;
  const tail = new EventTail(events, { maxReadBytes: 600, onRestart: () => (restarts += 1) });
  writeFileSync(events, line('x'.repeat(200)).repeat(3));
  assert.equal(tail.readAll().length, 3);
  writeFileSync(events, line('y'));
  assert.deepEqual(texts(tail.readAll()), ['y']);
  assert.equal(restarts, 1);
});

test('a line longer than one read is skipped, the lines after it are read', () => {
  const events = file();
  const tail = new EventTail(events, { maxReadBytes: 128 });
  writeFileSync(events, line('z'.repeat(300)) + line('after'));
  assert.deepEqual(texts(tail.readAll()), ['after']);
});
