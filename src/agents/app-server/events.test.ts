import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { lastAgentMessage, notificationEvents } from './events.js';
import type { ServerNotification } from './methods.js';

// Notifications of two real turns of codex 0.169.0's app-server against the scripted model,
// captured whole: one that ran two commands (the second failing) and answered, one whose
// model answered HTTP 500.
function fixture(name: string): ServerNotification[] {
  return JSON.parse(readFileSync(new URL(`../../../../src/agents/app-server/fixtures/codex-0.169.0-${name}.json`, import.meta.url), 'utf8')) as ServerNotification[];
}

test('a turn that ran commands and answered: its events, in mcp\'s names', () => {
  const events = fixture('turn-ok').flatMap(notificationEvents);
  assert.deepEqual(
    events.map((e) => e.type),
    ['codex.warning', 'codex.turn_started', 'codex.command_started', 'codex.command', 'codex.usage', 'codex.command_started', 'codex.command', 'codex.usage', 'codex.message', 'codex.usage', 'codex.turn_completed'],
  );
  const commands = events.filter((e) => e.type === 'codex.command');
  assert.deepEqual(
    commands.map((c) => (c.type === 'codex.command' ? [c.command, c.exitCode, c.status] : [])),
    [
      ['echo hello > out.txt && cat out.txt', 0, 'completed'],
      ['false', 1, 'failed'],
    ],
  );
  const usage = events.filter((e) => e.type === 'codex.usage').map((e) => (e.type === 'codex.usage' ? e.usage.inputTokens : 0));
  assert.deepEqual(usage, [120, 120, 120], 'each response once; their sum is the thread total (360)');
  assert.deepEqual(events.at(-1), { type: 'codex.turn_completed', status: 'completed' });
});

test('a turn whose model failed: the error, then the failed turn with its message', () => {
  const events = fixture('turn-failed').flatMap(notificationEvents);
  const message = 'We’re currently experiencing high demand, which may cause temporary errors.';
  assert.deepEqual(events.slice(-3), [
    { type: 'codex.error', message },
    { type: 'codex.turn_failed', message },
    { type: 'codex.turn_completed', status: 'failed' },
  ]);
});

test('the final message is the last agent message of the turn', () => {
  const completed = fixture('turn-ok').find((n): n is Extract<ServerNotification, { method: 'turn/completed' }> => n.method === 'turn/completed');
  assert.ok(completed);
  assert.equal(lastAgentMessage(completed), 'Wrote out.txt.');
  const failed = fixture('turn-failed').find((n): n is Extract<ServerNotification, { method: 'turn/completed' }> => n.method === 'turn/completed');
  assert.ok(failed);
  assert.equal(lastAgentMessage(failed), null);
});
