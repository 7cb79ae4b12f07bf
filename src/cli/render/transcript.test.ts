import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { McpEvent, StoredEvent } from '../../domain/events.js';
import { TranscriptRenderer } from './transcript.js';

let second = 0;
function at(event: McpEvent): StoredEvent {
  second += 1;
  return { ...event, ts: `2026-12-02T10:00:${String(second).padStart(2, '0')}.000Z`, task: 'r1-a' };
}

function render(kind: 'prompt' | 'command', events: McpEvent[]): string {
  second = 0;
  const renderer = new TranscriptRenderer(kind);
  return events.map((event) => renderer.render(at(event))).join('');
}

test('a Codex attempt reads as what it ran, with the output under it, what it said, and how it ended', () => {
  const text = render('prompt', [
    { type: 'state', from: 'ready', to: 'running' },
    { type: 'started', pid: 1, argv: ['codex', 'app-server'], cwd: '/w', attempt: 1 },
    { type: 'codex.command_started', command: 'npm test' },
    { type: 'codex.command', command: 'npm test', exitCode: 1, status: 'failed', output: '\x1b[31mFAIL\x1b[0m a.test\n2 failed\n' },
    { type: 'codex.usage', usage: { inputTokens: 1, outputTokens: 1 } },
    { type: 'codex.file_change', changes: [{ path: 'a.ts', kind: 'update' }, { path: 'b.ts', kind: 'add' }] },
    { type: 'codex.message', text: 'Fixed the test.\nBoth pass now.' },
    { type: 'exit', exitCode: 0, signal: null, bytes: 0, stoppedBy: 'finished' },
    { type: 'state', from: 'running', to: 'succeeded' },
  ]);
  assert.equal(
    text,
    [
      '10:00:02  attempt 1 started',
      '10:00:03  $ npm test',
      '          FAIL a.test',
      '          2 failed',
      '          (exit 1)',
      '10:00:06  edited a.ts, b.ts (add)',
      '10:00:07  Fixed the test.',
      '          Both pass now.',
      '10:00:08  exited 0',
      '10:00:09  succeeded',
      '',
    ].join('\n'),
  );
});

test('a command whose start is not the event before its end names itself again', () => {
  const text = render('prompt', [
    { type: 'codex.command_started', command: 'sleep 1' },
    { type: 'codex.command_started', command: 'ls' },
    { type: 'codex.command', command: 'ls', exitCode: 0, output: 'a\n' },
    { type: 'codex.command', command: 'sleep 1', exitCode: null, status: 'declined' },
  ]);
  assert.equal(text, ['10:00:01  $ sleep 1', '10:00:02  $ ls', '          a', '10:00:04  $ sleep 1', '          (declined)', ''].join('\n'));
});

test('questions, who answered them, a kill and a failure are each one line', () => {
  // A Codex app-server that mcp stops exits 0 itself: the line says it was killed first.
  assert.equal(render('prompt', [{ type: 'exit', exitCode: 0, signal: null, bytes: 0, stoppedBy: 'killed' }]), '10:00:01  killed (exited 0)\n');
  const text = render('command', [
    { type: 'started', pid: 1, argv: ['git', 'push'], cwd: '/w', attempt: 2 },
    { type: 'approval.requested', id: 3, kind: 'command', command: 'git push', reason: 'sensitive: git push' },
    { type: 'approval.decided', id: 3, decision: 'decline', command: 'git push', by: { kind: 'person', user: 'ana', uid: 1, pid: 2, via: 'cli' }, at: 'x' },
    { type: 'approval.withdrawn', id: 4, reason: 'the task was killed' },
    { type: 'exit', exitCode: null, signal: 'SIGTERM', bytes: 0, stoppedBy: 'killed' },
    { type: 'state', from: 'running', to: 'killed', reason: 'killed by mcp kill\u0007' },
  ]);
  assert.equal(
    text,
    [
      '10:00:01  attempt 2 started: $ git push',
      '10:00:02  approval 3 needed: git push (sensitive: git push)',
      '10:00:03  approval 3: decline by ana (cli)',
      '10:00:04  approval 4 withdrawn: the task was killed',
      '10:00:05  killed (ended by SIGTERM)',
      '10:00:06  killed: killed by mcp kill',
      '',
    ].join('\n'),
  );
});
