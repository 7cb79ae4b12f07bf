import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { describeEnd, runCommand } from './run-command.js';

const cwd = os.tmpdir();

test('runCommand: an exit code is an exit code', async () => {
  const result = await runCommand(['sh', '-c', 'echo out; echo err >&2; exit 3'], { cwd });
  assert.deepEqual({ ...result }, { code: 3, signal: null, timedOut: false, spawnError: null, stdout: 'out\n', stderr: 'err\n' });
  assert.equal(describeEnd(result), 'exited with code 3');
});

test('runCommand: a timeout is a timeout, never "exit code 1"', async () => {
  const result = await runCommand(['sleep', '5'], { cwd, timeoutMs: 200 });
  assert.equal(result.code, null);
  assert.equal(result.timedOut, true);
  assert.equal(describeEnd(result, 200), 'did not finish within 0.2 s and was stopped');
});

test('runCommand: a signal from elsewhere is the signal', async () => {
  const result = await runCommand(['sh', '-c', 'kill -KILL $$'], { cwd });
  assert.equal(result.code, null);
  assert.equal(result.signal, 'SIGKILL');
  assert.equal(result.timedOut, false);
  assert.equal(describeEnd(result), 'was ended by SIGKILL');
});

test('runCommand: a program that is not there never started', async () => {
  const result = await runCommand(['mcp-no-such-program-here'], { cwd });
  assert.equal(result.code, null);
  assert.equal(result.spawnError, 'ENOENT');
  assert.equal(describeEnd(result), 'could not start (ENOENT)');
});

test('runCommand: stdin input reaches the command', async () => {
  const result = await runCommand(['cat'], { cwd, input: 'fed on stdin' });
  assert.equal(result.stdout, 'fed on stdin');
});
