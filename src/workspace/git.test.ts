import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { GitError } from '../domain/errors.js';
import { git, gitProjectInfo } from './git.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-git-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function caught(promise: Promise<unknown>): Promise<GitError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GitError, `a GitError, not ${String(error)}`);
    return error;
  }
  throw new Error('expected a GitError');
}

test('a failed git command is a typed error naming the command, the directory, git\'s words and what to do', async () => {
  const error = await caught(git(tmp, ['rev-parse', '--verify', 'HEAD']));
  assert.equal(error.exitCode, 1);
  assert.match(error.message, /^git rev-parse --verify HEAD failed: .*not a git repository.* \(in .*mcp-git-test-/);
  assert.match(error.hint ?? '', /run that git command by hand/);
});

test('a git command that hangs is stopped and said to have timed out, not to have failed with a code', async () => {
  // An alias that sleeps stands for git blocked on a lock or a slow disk.
  const slow = git(tmp, ['-c', 'alias.wait=!sleep 5', 'wait'], { timeoutMs: 300 });
  const error = await caught(slow);
  assert.match(error.message, /^git -c alias\.wait=!sleep 5 wait did not finish within 0\.3 s and was stopped/);
});

test("a project's repository and HEAD come from one git; outside git and before a first commit there are none", async () => {
  const project = path.join(tmp, 'info');
  const sub = path.join(project, 'sub');
  mkdirSync(sub, { recursive: true });
  assert.equal(await gitProjectInfo(project), null, 'outside git');
  await git(project, ['init', '-q']);
  assert.equal(await gitProjectInfo(project), null, 'before a first commit');
  await git(project, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'first']);
  const head = await git(project, ['rev-parse', 'HEAD']);
  assert.deepEqual(await gitProjectInfo(sub), { top: realpathSync(project), head });
});
