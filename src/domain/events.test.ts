import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTaskEvent, parseEventLine } from './events.js';

const envelope = { ts: '2026-12-01T10:00:00.000Z', task: 'r0000aaaa-build' };

test('a stored line parses into the event and its envelope', () => {
  const line = JSON.stringify({ ...envelope, type: 'state', from: 'running', to: 'succeeded' });
  assert.deepEqual(parseEventLine(line), { ...envelope, type: 'state', from: 'running', to: 'succeeded' });
  const usage = parseEventLine(JSON.stringify({ ...envelope, type: 'codex.usage', usage: { inputTokens: 3, outputTokens: 4 } }));
  assert.equal(usage?.type === 'codex.usage' ? usage.usage.inputTokens : null, 3);
});

test('a torn line, a line of another shape, or an event a newer mcp wrote is skipped, never an error', () => {
  for (const line of [
    '{"ts":"x","task":"t","type":"sta',
    '',
    'not json',
    JSON.stringify({ ...envelope, type: 'state', from: 'running', to: 'flying' }),
    JSON.stringify({ ...envelope, type: 'something.new', x: 1 }),
    JSON.stringify({ type: 'error', message: 'no envelope' }),
  ]) {
    assert.equal(parseEventLine(line), null, line);
  }
});

test('task events and run events are told apart', () => {
  const task = parseEventLine(JSON.stringify({ ...envelope, type: 'exit', exitCode: 0, signal: null, bytes: 3, stoppedBy: null }));
  const run = parseEventLine(JSON.stringify({ ...envelope, type: 'replan', version: 2, tasks: ['a'] }));
  assert.ok(task && run);
  assert.equal(isTaskEvent(task), true);
  assert.equal(isTaskEvent(run), false);
});
