import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { McpEvent } from './events.js';
import { isActivity, summarizeEvent } from './event-summary.js';

test('what a person follows has a line; bookkeeping has none', () => {
  const lines: [McpEvent, string][] = [
    [{ type: 'input.sent', text: 'go on\nplease' }, 'message: go on'],
    [{ type: 'spawn.refused', message: 'rm is not on the allow-list' }, 'error: rm is not on the allow-list'],
    [{ type: 'superseded', version: 3 }, 'replaced by plan v3'],
    [{ type: 'codex.warning', message: 'slow down' }, 'warning: slow down'],
    [{ type: 'codex.turn_completed', status: 'completed' }, 'turn completed'],
    [{ type: 'codex.file_change', changes: [] }, 'edited files'],
  ];
  for (const [event, line] of lines) assert.equal(summarizeEvent(event, 'prompt'), line);
  const quiet: McpEvent[] = [
    { type: 'codex.usage', usage: { inputTokens: 1, outputTokens: 1 } },
    { type: 'codex.item', itemType: 'x' },
    { type: 'codex.turn_started' },
    { type: 'codex.session', sessionId: 's' },
    { type: 'codex.message', text: '  \n' },
    { type: 'state', from: 'ready', to: 'running' },
    { type: 'committed', branch: 'mcp/r1-a', changed: true },
    { type: 'notified', command: ['notify-send'], ok: true },
  ];
  for (const event of quiet) assert.equal(isActivity(event), false, event.type);
});

test("a command task's start shows its command; a Codex task's does not repeat Codex's long argv", () => {
  const started = { type: 'started', pid: 1, argv: ['node', '-e', '0'], cwd: '/w', attempt: 1 } as McpEvent;
  assert.equal(summarizeEvent(started, 'command'), '$ node -e 0');
  assert.equal(summarizeEvent(started, 'prompt'), 'Codex started');
});
