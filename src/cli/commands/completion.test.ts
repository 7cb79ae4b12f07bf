import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { UsageError } from '../../domain/errors.js';
import { MCP, sample } from '../completion/test-support.js';
import { completionScript } from './completion.js';

test('an unknown shell is a usage error (exit 2) of one line', () => {
  assert.throws(
    () => completionScript('ksh', sample()),
    (error: unknown) => error instanceof UsageError && error.exitCode === 2 && /ksh/.test(error.message) && !error.message.includes('\n'),
  );
  const result = spawnSync(process.execPath, [MCP, 'completion', 'powershell'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /unknown shell "powershell".*bash, zsh, fish/);
});

test("the real CLI's scripts name every visible command and its new options, never hidden ones", () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const script = execFileSync(process.execPath, [MCP, 'completion', shell], { encoding: 'utf8' });
    for (const word of ['run', 'status', 'logs', 'attach', 'approve', 'kill', 'resume', 'merge', 'doctor', 'completion', 'until-done', 'no-tty', 'interval']) {
      assert.ok(script.includes(word), `${shell} script lacks ${word}`);
    }
    assert.ok(!script.includes('supervise'), `${shell} script offers the hidden supervise command`);
  }
});
