import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCodexStderrNoise, readCodexLine } from './codex-events.js';

// Real `codex exec --json` lines from codex 0.169.0, copied verbatim.
const THREAD_STARTED = '{"type":"thread.started","thread_id":"01a2146b-e91b-7000-89d6-95c5978b62c2"}';
const ERROR_ITEM =
  '{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `scripted-model` not found. Defaulting to fallback metadata; this can degrade performance and cause issues."}}';
const TURN_STARTED = '{"type":"turn.started"}';
const COMMAND_STARTED =
  '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"/bin/bash -lc \'echo a > a.txt\'","aggregated_output":"","exit_code":null,"status":"in_progress"}}';
const COMMAND_COMPLETED =
  '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"/bin/bash -lc \'echo a > a.txt\'","aggregated_output":"a.txt\\n","exit_code":0,"status":"completed"}}';
const AGENT_MESSAGE = '{"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"Created a.txt"}}';
const TURN_COMPLETED =
  '{"type":"turn.completed","usage":{"input_tokens":240,"cached_input_tokens":0,"cache_write_input_tokens":0,"output_tokens":24,"reasoning_output_tokens":0}}';
const TOP_ERROR = '{"type":"error","message":"We’re currently experiencing high demand, which may cause temporary errors."}';
const TURN_FAILED = '{"type":"turn.failed","error":{"message":"We’re currently experiencing high demand, which may cause temporary errors."}}';

const COMMAND = "/bin/bash -lc 'echo a > a.txt'";
const HIGH_DEMAND = 'We’re currently experiencing high demand, which may cause temporary errors.';

test('readCodexLine: thread.started gives the session id', () => {
  assert.deepEqual(readCodexLine(THREAD_STARTED), {
    sessionId: '01a2146b-e91b-7000-89d6-95c5978b62c2',
    event: { type: 'codex.session', sessionId: '01a2146b-e91b-7000-89d6-95c5978b62c2' },
  });
  // With the CR a PTY adds, and surrounding blanks.
  assert.equal(readCodexLine(`  ${THREAD_STARTED}\r`)?.sessionId, '01a2146b-e91b-7000-89d6-95c5978b62c2');
  assert.equal(readCodexLine('{"type":"thread.started"}'), null);
});

test('readCodexLine: an error item is a warning, never a failure', () => {
  const result = readCodexLine(ERROR_ITEM);
  assert.equal(result?.failure, undefined);
  assert.deepEqual(result, {
    event: {
      type: 'codex.warning',
      message: 'Model metadata for `scripted-model` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.',
    },
  });
});

test('readCodexLine: turn.started', () => {
  assert.deepEqual(readCodexLine(TURN_STARTED), { event: { type: 'codex.turn_started' } });
});

test('readCodexLine: command execution started and completed', () => {
  assert.deepEqual(readCodexLine(COMMAND_STARTED), { event: { type: 'codex.command_started', command: COMMAND } });
  assert.deepEqual(readCodexLine(COMMAND_COMPLETED), {
    event: { type: 'codex.command', command: COMMAND, exitCode: 0, status: 'completed', output: 'a.txt\n' },
  });
});

test('readCodexLine: a failed command keeps its exit code, a missing one is null', () => {
  const failed = JSON.stringify({
    type: 'item.completed',
    item: { id: 'item_3', type: 'command_execution', command: 'false', aggregated_output: '', exit_code: 2, status: 'failed' },
  });
  assert.deepEqual(readCodexLine(failed)?.event, { type: 'codex.command', command: 'false', exitCode: 2, status: 'failed', output: '' });
  const declined = JSON.stringify({ type: 'item.completed', item: { id: 'item_4', type: 'command_execution', command: 'rm -rf /', exit_code: null, status: 'declined' } });
  assert.deepEqual(readCodexLine(declined)?.event, { type: 'codex.command', command: 'rm -rf /', exitCode: null, status: 'declined' });
});

test('readCodexLine: long command output is cut to its tail', () => {
  const output = `${'a'.repeat(3000)}${'b'.repeat(1999)}Z`;
  const line = JSON.stringify({
    type: 'item.completed',
    item: { id: 'item_5', type: 'command_execution', command: 'big', aggregated_output: output, exit_code: 0, status: 'completed' },
  });
  const event = readCodexLine(line)?.event;
  assert.equal(event?.type === 'codex.command' ? event.output : undefined, `…${'b'.repeat(1999)}Z`);
  const exact = 'c'.repeat(2000);
  const exactLine = JSON.stringify({ type: 'item.completed', item: { type: 'command_execution', command: 'x', aggregated_output: exact, exit_code: 0 } });
  const exactEvent = readCodexLine(exactLine)?.event;
  assert.equal(exactEvent?.type === 'codex.command' ? exactEvent.output : undefined, exact);
});

test('readCodexLine: agent message', () => {
  assert.deepEqual(readCodexLine(AGENT_MESSAGE), { event: { type: 'codex.message', text: 'Created a.txt' } });
});

test('readCodexLine: turn.completed gives the usage, in mcp\'s names', () => {
  assert.deepEqual(readCodexLine(TURN_COMPLETED), { event: { type: 'codex.usage', usage: { inputTokens: 240, cachedInputTokens: 0, outputTokens: 24, reasoningTokens: 0 } } });
});

test('readCodexLine: a top-level error event is not a failure', () => {
  const result = readCodexLine(TOP_ERROR);
  assert.equal(result?.failure, undefined);
  assert.deepEqual(result, { event: { type: 'codex.error', message: HIGH_DEMAND } });
});

test('readCodexLine: turn.failed is the failure', () => {
  assert.deepEqual(readCodexLine(TURN_FAILED), { failure: HIGH_DEMAND, event: { type: 'codex.turn_failed', message: HIGH_DEMAND } });
  assert.deepEqual(readCodexLine('{"type":"turn.failed"}'), { failure: 'turn failed', event: { type: 'codex.turn_failed', message: 'turn failed' } });
});

test('readCodexLine: of the whole real stream, only turn.failed fails', () => {
  const lines = [THREAD_STARTED, ERROR_ITEM, TURN_STARTED, COMMAND_STARTED, COMMAND_COMPLETED, AGENT_MESSAGE, TURN_COMPLETED, TOP_ERROR, TURN_FAILED];
  const results = lines.map((l) => readCodexLine(l));
  assert.deepEqual(
    results.map((r) => r?.failure),
    [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, HIGH_DEMAND],
  );
  assert.deepEqual(
    results.map((r) => r?.event?.type),
    [
      'codex.session',
      'codex.warning',
      'codex.turn_started',
      'codex.command_started',
      'codex.command',
      'codex.message',
      'codex.usage',
      'codex.error',
      'codex.turn_failed',
    ],
  );
});

test('readCodexLine: other items', () => {
  assert.deepEqual(readCodexLine('{"type":"item.completed","item":{"id":"r","type":"reasoning","text":"thinking"}}'), {
    event: { type: 'codex.reasoning', text: 'thinking' },
  });
  assert.deepEqual(
    readCodexLine('{"type":"item.completed","item":{"id":"f","type":"file_change","changes":[{"path":"a.txt","kind":"add"}],"status":"completed"}}'),
    { event: { type: 'codex.file_change', changes: [{ path: 'a.txt', kind: 'add' }], status: 'completed' } },
  );
  assert.equal(readCodexLine('{"type":"item.started","item":{"id":"item_2","type":"agent_message","text":""}}'), null);
  assert.deepEqual(readCodexLine('{"type":"item.completed","item":{"id":"t","type":"todo_list","items":[]}}'), {
    event: { type: 'codex.item', itemType: 'todo_list' },
  });
  assert.equal(readCodexLine('{"type":"item.updated","item":{"id":"t","type":"todo_list"}}'), null);
});

test('readCodexLine: non-JSON and malformed lines give null', () => {
  for (const line of [
    '',
    '   ',
    'Reading prompt from stdin...',
    'WARNING: proceeding, even though we could not create PATH aliases',
    '[1,2]',
    '"string"',
    'null',
    '{"type":"turn.started"',
    '{"type": turn.started}',
    '{}',
    '{"type":"something.new"}',
    '\u001b[31m{"type":"turn.started"}',
  ]) {
    assert.equal(readCodexLine(line), null, JSON.stringify(line));
  }
});

test('isCodexStderrNoise', () => {
  assert.equal(isCodexStderrNoise('Reading additional input from stdin...'), true);
  assert.equal(isCodexStderrNoise('WARNING: proceeding, even though we could not create PATH aliases: x'), true);
  assert.equal(isCodexStderrNoise('Error: unexpected status 500'), false);
});
