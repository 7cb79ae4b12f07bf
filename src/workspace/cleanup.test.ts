import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { git, tryGit } from './git.js';
import {
  commitsBeyond,
  commitsOnlyIn,
  currentBranch,
  deleteBranch,
  isDirty,
  mcpBranches,
  mergedIntoHead,
  patchApplied,
  realPath,
  pruneWorktrees,
  registeredWorktrees,
  removeWorktree,
  repositoryTop,
  worktreeCount,
} from './cleanup.js';

const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'mcp-cleanup-test-')));
after(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** A repository on main with one commit, and a task worktree on mcp/r1-a holding one commit of its own. */
async function repo(): Promise<{ top: string; ws: string }> {
  counter += 1;
  const top = path.join(tmp, `repo-${counter}`);
  mkdirSync(top);
  await git(top, ['init', '-q', '-b', 'main']);
  writeFileSync(path.join(top, '.gitignore'), 'ignored/\n');
  writeFileSync(path.join(top, 'README.md'), 'hello\n');
  await git(top, ['add', '-A']);
  await git(top, ['commit', '-q', '-m', 'init']);
  const ws = path.join(tmp, `ws-${counter}`);
  await git(top, ['worktree', 'add', '-q', '-b', 'mcp/r1-a', ws]);
  writeFileSync(path.join(ws, 'a.txt'), 'a\n');
  await git(ws, ['add', '-A']);
  await git(ws, ['commit', '-q', '-m', 'a']);
  return { top, ws };
}

test('commitsOnlyIn: commits no staying ref holds; other mcp/ branches never count, the kept ones named do', async () => {
  const { top } = await repo();
  assert.equal(await commitsOnlyIn(top, 'mcp/r1-a', []), 1);
  // A run branch holding it: counts only when it stays.
  await git(top, ['branch', 'mcp/run-r1', 'mcp/r1-a']);
  assert.equal(await commitsOnlyIn(top, 'mcp/r1-a', []), 1);
  assert.equal(await commitsOnlyIn(top, 'mcp/r1-a', ['mcp/run-r1']), 0);
  // A branch or tag of the user's holds it too.
  await git(top, ['tag', 'keep-a', 'mcp/r1-a']);
  assert.equal(await commitsOnlyIn(top, 'mcp/r1-a', []), 0);
  await git(top, ['tag', '-d', 'keep-a']);
  await git(top, ['branch', 'feature', 'mcp/r1-a']);
  assert.equal(await commitsOnlyIn(top, 'mcp/r1-a', []), 0);
  await git(top, ['branch', '-D', 'feature']);
  // Merged into the current branch.
  assert.equal(await mergedIntoHead(top, 'mcp/run-r1'), false);
  await git(top, ['merge', '-q', '--ff-only', 'mcp/run-r1']);
  assert.equal(await mergedIntoHead(top, 'mcp/run-r1'), true);
  assert.equal(await commitsOnlyIn(top, 'mcp/r1-a', []), 0);
  assert.equal(await currentBranch(top), 'main');
  assert.deepEqual([...(await mcpBranches(top))].sort(), ['mcp/r1-a', 'mcp/run-r1']);
});

test('isDirty: changes and untracked files are work; ignored files are not; a folder git cannot read is null', async () => {
  const { ws } = await repo();
  assert.equal(await isDirty(ws), false);
  mkdirSync(path.join(ws, 'ignored'));
  writeFileSync(path.join(ws, 'ignored', 'dep.js'), '');
  assert.equal(await isDirty(ws), false);
  writeFileSync(path.join(ws, 'new.txt'), 'n\n');
  assert.equal(await isDirty(ws), true);
  rmSync(path.join(ws, 'new.txt'));
  writeFileSync(path.join(ws, 'a.txt'), 'changed\n');
  assert.equal(await isDirty(ws), true);
  const plain = path.join(tmp, `plain-${counter}`);
  mkdirSync(plain);
  assert.equal(await isDirty(plain), null);
  assert.equal(await repositoryTop(plain), null);
  assert.equal(await repositoryTop(path.join(tmp, 'no-such-dir')), null);
});

test('registeredWorktrees, removeWorktree, deleteBranch and prune leave git with no trace of the task', async () => {
  const { top, ws } = await repo();
  assert.equal(await repositoryTop(ws), ws);
  const worktrees = await registeredWorktrees(top);
  assert.equal(worktrees.get(ws), 'mcp/r1-a');
  assert.equal(worktrees.get(top), 'main');
  assert.ok(worktrees.has(realPath(ws)));
  await git(top, ['update-ref', 'refs/mcp-start/mcp/r1-a', 'main']);

  // Ignored files do not make git refuse the removal.
  mkdirSync(path.join(ws, 'ignored'));
  writeFileSync(path.join(ws, 'ignored', 'dep.js'), '');
  await removeWorktree(top, ws, { force: false, registered: true });
  assert.equal(existsSync(ws), false);
  await deleteBranch(top, 'mcp/r1-a');
  assert.deepEqual([...(await mcpBranches(top))], []);
  assert.equal(await tryGit(top, ['rev-parse', '--verify', '--quiet', 'refs/mcp-start/mcp/r1-a']), null);
  assert.deepEqual([...(await registeredWorktrees(top)).keys()], [top]);

  // A worktree whose folder went some other way is forgotten by prune.
  const other = path.join(tmp, `gone-${counter}`);
  await git(top, ['worktree', 'add', '-q', '--detach', other]);
  rmSync(other, { recursive: true });
  // Gone from the disk: not counted (the branch it held is free), then forgotten by prune.
  assert.deepEqual([...(await registeredWorktrees(top)).keys()], [top]);
  assert.match(await git(top, ['worktree', 'list', '--porcelain']), /gone-/);
  await pruneWorktrees(top);
  assert.doesNotMatch(await git(top, ['worktree', 'list', '--porcelain']), /gone-/);
});

test('worktreeCount: every worktree git still reads, a gone one until the prune; those under a folder apart', async () => {
  const { top } = await repo();
  const runs = path.join(tmp, `state-${counter}`, 'runs');
  await git(top, ['worktree', 'add', '-q', '--detach', path.join(runs, 'r1-b', 'workspace')]);
  await git(top, ['worktree', 'add', '-q', '--detach', path.join(runs, 'r1-c', 'workspace')]);
  // A folder beside runs/ whose name starts the same is not under it.
  await git(top, ['worktree', 'add', '-q', '--detach', `${runs}-other`]);
  assert.deepEqual(await worktreeCount(top, runs), { registered: 4, under: 2 });
  rmSync(path.join(runs, 'r1-c'), { recursive: true });
  assert.deepEqual(await worktreeCount(top, runs), { registered: 4, under: 2 });
  await pruneWorktrees(top);
  assert.deepEqual(await worktreeCount(top, runs), { registered: 3, under: 1 });
  assert.equal(await worktreeCount(path.join(tmp, 'nowhere'), runs), null);
});

test('removeWorktree: a dirty worktree needs force; one git does not know is removed as a folder', async () => {
  const { top, ws } = await repo();
  writeFileSync(path.join(ws, 'new.txt'), 'n\n');
  await assert.rejects(removeWorktree(top, ws, { force: false, registered: true }));
  assert.ok(existsSync(path.join(ws, 'new.txt')));
  await removeWorktree(top, ws, { force: true, registered: true });
  assert.equal(existsSync(ws), false);
  const plain = path.join(tmp, `plain-folder-${counter}`);
  mkdirSync(path.join(plain, 'sub'), { recursive: true });
  await removeWorktree(null, plain, { force: true, registered: false });
  assert.equal(existsSync(plain), false);
});

test('patchApplied: a patch that applies in reverse is applied; an empty one always; a missing one never', async () => {
  const { top } = await repo();
  const patch = path.join(tmp, `change-${counter}.patch`);
  writeFileSync(patch, await git(top, ['diff', 'main', 'mcp/r1-a']).then((text) => `${text}\n`));
  const project = path.join(tmp, `project-${counter}`);
  mkdirSync(project);
  writeFileSync(path.join(project, 'README.md'), 'hello\n');
  assert.equal(await patchApplied(project, patch), false);
  writeFileSync(path.join(project, 'a.txt'), 'a\n');
  assert.equal(await patchApplied(project, patch), true);
  const empty = path.join(tmp, `empty-${counter}.patch`);
  writeFileSync(empty, '');
  assert.equal(await patchApplied(project, empty), true);
  assert.equal(await patchApplied(project, path.join(tmp, 'missing.patch')), false);
  assert.equal(await commitsBeyond(top, 'main'), 1);
});
