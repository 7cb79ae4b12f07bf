import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { appendEvent, EventLog } from './event-log.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-events-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('EventLog: one JSON object a line, with time and task; a torn last line is ended, not joined', () => {
  const file = path.join(tmp, 'torn.ndjson');
  writeFileSync(file, '{"ts":"x","task":"t","type":"started"}\n{"ts":"x","ta');
  appendEvent(file, 't1', { type: 'exit', exitCode: 0, signal: null, bytes: 0, stoppedBy: null });
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.deepEqual(lines.slice(1), ['{"ts":"x","ta', lines[2], '']);
  const event = JSON.parse(lines[2] ?? '') as Record<string, unknown>;
  assert.equal(event.task, 't1');
  assert.equal(event.type, 'exit');
  assert.ok(!Number.isNaN(Date.parse(String(event.ts))));
});

// /dev/full answers every write with ENOSPC, as a full disk would.
test('EventLog: with onError, a failed write is reported once and appending stops, never a throw', () => {
  const heard: string[] = [];
  const log = new EventLog('/dev/full', 't', (message) => heard.push(message));
  log.append({ type: 'error', message: 'one' });
  log.append({ type: 'error', message: 'two' });
  log.close();
  assert.equal(heard.length, 1);
  assert.match(heard[0] ?? '', /^full: ENOSPC: no space left on device/);
});

test('EventLog: without onError, a failed write throws as any write would', () => {
  const log = new EventLog('/dev/full', 't');
  try {
    assert.throws(() => log.append({ type: 'error', message: 'one' }), { code: 'ENOSPC' });
  } finally {
    log.close();
  }
});
