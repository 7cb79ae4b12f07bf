import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredEvent } from '../../domain/events.js';
import { digestOf } from './task-digest.js';

let clock = 0;
function ev(event: Record<string, unknown>): StoredEvent {
  clock += 1;
  return { ts: `2026-12-01T00:00:${String(clock).padStart(2, '0')}.000Z`, task: 't', ...event } as StoredEvent;
}

test('tokens add up over every usage event; the last activity is the last event worth a line', () => {
  const d = digestOf([
    ev({ type: 'codex.usage', usage: { inputTokens: 100, outputTokens: 10 } }),
    ev({ type: 'codex.command', command: 'ls', exitCode: 0 }),
    ev({ type: 'codex.usage', usage: { inputTokens: 50, outputTokens: 5 } }),
    ev({ type: 'codex.item', itemType: 'x' }),
  ]);
  assert.deepEqual(d.tokens, { input: 150, output: 15 });
  assert.equal(d.last?.type, 'codex.command');
  assert.match(d.lastAt ?? '', /:04\./);
});

test('an approval is pending from its request until its decision, or until the task leaves waiting_approval', () => {
  const asked = ev({ type: 'approval.requested', id: 1, kind: 'command', command: 'git push', reason: 'needs network' });
  assert.deepEqual(digestOf([asked]).approvals.map((a) => [a.id, a.command, a.reason]), [[1, 'git push', 'needs network']]);
  assert.deepEqual(digestOf([asked, ev({ type: 'approval.decided', id: 1, decision: 'accept', by: { kind: 'rule', rule: 'x', list: 'allow' }, at: 'now' })]).approvals, []);
  // Answered by a key typed in an attached terminal: no decision event, but the state moves on.
  assert.deepEqual(digestOf([asked, ev({ type: 'state', from: 'waiting_approval', to: 'running' })]).approvals, []);
  assert.deepEqual(digestOf([asked, ev({ type: 'exit', exitCode: 0, signal: null, bytes: 0, stoppedBy: null })]).approvals, []);
});

test('a session waits for a message after its turn, until it works again or ends', () => {
  assert.equal(digestOf([ev({ type: 'input.waiting' })]).waitingInput, true);
  assert.equal(digestOf([ev({ type: 'input.waiting' }), ev({ type: 'input.sent', text: 'go on' })]).waitingInput, false);
  assert.equal(digestOf([ev({ type: 'input.waiting' }), ev({ type: 'codex.turn_started' })]).waitingInput, false);
  assert.equal(digestOf([ev({ type: 'input.waiting' }), ev({ type: 'state', from: 'waiting_input', to: 'succeeded' })]).waitingInput, false);
});
