import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { describeEvent, EVENTS_POLL_MS, TaskActivityReader } from './task-activity.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-activity-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const file = (): string => path.join(tmp, `events-${(n += 1)}.ndjson`);
const line = (fields: Record<string, unknown>): string => `${JSON.stringify({ ts: '2026-01-01T00:00:00.000Z', task: 't', ...fields })}\n`;

test('events become one printable status line; the rest change nothing', () => {
  const started = { pid: 1, cwd: '/w', attempt: 1 };
  assert.equal(describeEvent({ type: 'started', argv: ['node', '-e', 'x()'], ...started }, 'command'), '$ node -e x()');
  assert.equal(describeEvent({ type: 'started', argv: ['/opt/codex', 'exec', '--json'], ...started }, 'prompt'), 'Codex started');
  assert.equal(describeEvent({ type: 'codex.command', command: 'npm test', exitCode: 1 }, 'prompt'), '$ npm test  (exit 1)');
  assert.equal(describeEvent({ type: 'codex.command', command: 'ls', exitCode: 0 }, 'prompt'), '$ ls');
  assert.equal(describeEvent({ type: 'codex.message', text: '\n Done:\x1b[31m all\nsecond line' }, 'prompt'), 'Done: [31m all');
  assert.equal(describeEvent({ type: 'codex.file_change', changes: [{ path: 'a.ts', kind: 'update' }, { path: 'b.ts', kind: 'add' }] }, 'prompt'), 'edited a.ts, b.ts');
  assert.equal(describeEvent({ type: 'approval.requested', id: 1, kind: 'command', command: 'git push' }, 'prompt'), 'approval needed: git push');
  assert.equal(describeEvent({ type: 'exit', exitCode: 0, signal: null, bytes: 0, stoppedBy: null }, 'command'), 'exited 0');
  assert.equal(describeEvent({ type: 'exit', exitCode: null, signal: 'SIGTERM', bytes: 0, stoppedBy: 'killed' }, 'command'), 'ended by SIGTERM');
  assert.equal(describeEvent({ type: 'codex.usage', usage: { inputTokens: 1, outputTokens: 1 } }, 'prompt'), undefined);
  assert.equal(describeEvent({ type: 'codex.session', sessionId: 's' }, 'prompt'), undefined);
});

test('the reader follows the file: last activity, tokens summed over every turn, at most one read per poll interval', () => {
  const events = file();
  const reader = new TaskActivityReader(events, 'prompt');
  assert.deepEqual(reader.poll(0), { last: null, inputTokens: 0, outputTokens: 0 }, 'no file yet');
  writeFileSync(events, line({ type: 'started', argv: ['codex'], pid: 1, cwd: '/w', attempt: 1 }) + line({ type: 'codex.command', command: 'ls', exitCode: 0 }) + line({ type: 'codex.usage', usage: { inputTokens: 1200, cachedInputTokens: 1000, outputTokens: 30 } }));
  assert.deepEqual(reader.poll(EVENTS_POLL_MS), { last: '$ ls', inputTokens: 1200, outputTokens: 30 });
  appendFileSync(events, line({ type: 'codex.message', text: 'all done' }) + line({ type: 'codex.usage', usage: { inputTokens: 800, outputTokens: 12 } }));
  // Too soon: what was read last time.
  assert.equal(reader.poll(EVENTS_POLL_MS + 10).last, '$ ls');
  assert.deepEqual(reader.poll(2 * EVENTS_POLL_MS), { last: 'all done', inputTokens: 2000, outputTokens: 42 });
  // `fresh` reads at once.
  appendFileSync(events, line({ type: 'exit', exitCode: 0, signal: null, bytes: 0, stoppedBy: null }));
  assert.equal(reader.poll(2 * EVENTS_POLL_MS + 1, true).last, 'exited 0');
});

test('a line still being written waits for its newline; a torn line is skipped', () => {
  const events = file();
  const reader = new TaskActivityReader(events, 'command');
  const whole = line({ type: 'codex.usage', usage: { inputTokens: 5, outputTokens: 7 } });
  writeFileSync(events, `{"type":"codex.mess\n${whole.slice(0, 20)}`);
  assert.deepEqual(reader.poll(0), { last: null, inputTokens: 0, outputTokens: 0 });
  appendFileSync(events, whole.slice(20));
  assert.deepEqual(reader.poll(EVENTS_POLL_MS), { last: null, inputTokens: 5, outputTokens: 7 }, 'counted once, when whole');
  assert.deepEqual(reader.poll(2 * EVENTS_POLL_MS, true), { last: null, inputTokens: 5, outputTokens: 7 }, 'not counted twice');
});

test('a file that shrank (replaced) is read again from its start', () => {
  const events = file();
  const reader = new TaskActivityReader(events, 'command');
  writeFileSync(events, line({ type: 'codex.usage', usage: { inputTokens: 100, outputTokens: 1 } }).repeat(3));
  assert.equal(reader.poll(0).inputTokens, 300);
  writeFileSync(events, line({ type: 'exit', exitCode: 2, signal: null, bytes: 0, stoppedBy: null }));
  assert.deepEqual(reader.poll(EVENTS_POLL_MS), { last: 'exited 2', inputTokens: 0, outputTokens: 0 });
});
