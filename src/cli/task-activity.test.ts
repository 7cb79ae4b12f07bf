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
  assert.equal(describeEvent({ type: 'started', argv: ['node', '-e', 'x()'] }, 'command'), '$ node -e x()');
  assert.equal(describeEvent({ type: 'started', argv: ['/opt/codex', 'exec', '--json'] }, 'prompt'), 'Codex started');
  assert.equal(describeEvent({ type: 'codex.command', command: 'npm test', exitCode: 1 }, 'prompt'), '$ npm test  (exit 1)');
  assert.equal(describeEvent({ type: 'codex.command', command: 'ls', exitCode: 0 }, 'prompt'), '$ ls');
  assert.equal(describeEvent({ type: 'codex.message', text: '\n Done:\x1b[31m all\nsecond line' }, 'prompt'), 'Done: [31m all');
  assert.equal(describeEvent({ type: 'codex.file_change', changes: [{ path: 'a.ts', kind: 'update' }, { path: 'b.ts' }] }, 'prompt'), 'edited a.ts, b.ts');
  assert.equal(describeEvent({ type: 'approval.requested', command: 'git push' }, 'prompt'), 'approval needed: git push');
  assert.equal(describeEvent({ type: 'exit', exitCode: 0 }, 'command'), 'exited 0');
  assert.equal(describeEvent({ type: 'exit', exitCode: null, signal: 'SIGTERM' }, 'command'), 'ended by SIGTERM');
  assert.equal(describeEvent({ type: 'codex.usage', usage: {} }, 'prompt'), undefined);
  assert.equal(describeEvent({ type: 'codex.session', sessionId: 's' }, 'prompt'), undefined);
});

test('the reader follows the file: last activity, tokens summed over every turn, at most one read per poll interval', () => {
  const events = file();
  const reader = new TaskActivityReader(events, 'prompt');
  assert.deepEqual(reader.poll(0), { last: null, inputTokens: 0, outputTokens: 0 }, 'no file yet');
  writeFileSync(events, line({ type: 'started', argv: ['codex'] }) + line({ type: 'codex.command', command: 'ls', exitCode: 0 }) + line({ type: 'codex.usage', usage: { input_tokens: 1200, cached_input_tokens: 1000, output_tokens: 30 } }));
  assert.deepEqual(reader.poll(EVENTS_POLL_MS), { last: '$ ls', inputTokens: 1200, outputTokens: 30 });
  appendFileSync(events, line({ type: 'codex.message', text: 'all done' }) + line({ type: 'codex.usage', usage: { input_tokens: 800, output_tokens: 12 } }));
  // Too soon: what was read last time.
  assert.equal(reader.poll(EVENTS_POLL_MS + 10).last, '$ ls');
  assert.deepEqual(reader.poll(2 * EVENTS_POLL_MS), { last: 'all done', inputTokens: 2000, outputTokens: 42 });
  // `fresh` reads at once.
  appendFileSync(events, line({ type: 'exit', exitCode: 0 }));
  assert.equal(reader.poll(2 * EVENTS_POLL_MS + 1, true).last, 'exited 0');
});

test('a line still being written waits for its newline; a torn line is skipped', () => {
  const events = file();
  const reader = new TaskActivityReader(events, 'command');
  const whole = line({ type: 'codex.usage', usage: { input_tokens: 5, output_tokens: 7 } });
  writeFileSync(events, `{"type":"codex.mess\n${whole.slice(0, 20)}`);
  assert.deepEqual(reader.poll(0), { last: null, inputTokens: 0, outputTokens: 0 });
  appendFileSync(events, whole.slice(20));
  assert.deepEqual(reader.poll(EVENTS_POLL_MS), { last: null, inputTokens: 5, outputTokens: 7 }, 'counted once, when whole');
  assert.deepEqual(reader.poll(2 * EVENTS_POLL_MS, true), { last: null, inputTokens: 5, outputTokens: 7 }, 'not counted twice');
});

test('a file that shrank (replaced) is read again from its start', () => {
  const events = file();
  const reader = new TaskActivityReader(events, 'command');
  writeFileSync(events, line({ type: 'codex.usage', usage: { input_tokens: 100, output_tokens: 1 } }).repeat(3));
  assert.equal(reader.poll(0).inputTokens, 300);
  writeFileSync(events, line({ type: 'exit', exitCode: 2 }));
  assert.deepEqual(reader.poll(EVENTS_POLL_MS), { last: 'exited 2', inputTokens: 0, outputTokens: 0 });
});
