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
  deleteBranches,
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

const onlyIn = async (top: string, branch: string, keep: string[]): Promise<number | undefined> => (await commitsOnlyIn(top, [branch], keep)).get(branch);

test('commitsOnlyIn: commits no staying ref holds; other mcp/ branches never count, the kept ones named do', async () => {
  const { top } = await repo();
  assert.equal(await onlyIn(top, 'mcp/r1-a', []), 1);
  // A run branch holding it: counts only when it stays.
  await git(top, ['branch', 'mcp/run-r1', 'mcp/r1-a']);
  assert.equal(await onlyIn(top, 'mcp/r1-a', []), 1);
  assert.equal(await onlyIn(top, 'mcp/r1-a', ['mcp/run-r1']), 0);
  // A branch or tag of the user's holds it too.
  await git(top, ['tag', 'keep-a', 'mcp/r1-a']);
  assert.equal(await onlyIn(top, 'mcp/r1-a', []), 0);
  await git(top, ['tag', '-d', 'keep-a']);
  await git(top, ['branch', 'feature', 'mcp/r1-a']);
  assert.equal(await onlyIn(top, 'mcp/r1-a', []), 0);
  await git(top, ['branch', '-D', 'feature']);
  // Merged into the current branch.
  assert.equal(await mergedIntoHead(top, 'mcp/run-r1'), false);
  await git(top, ['merge', '-q', '--ff-only', 'mcp/run-r1']);
  assert.equal(await mergedIntoHead(top, 'mcp/run-r1'), true);
  assert.equal(await onlyIn(top, 'mcp/r1-a', []), 0);
  assert.equal(await currentBranch(top), 'main');
  assert.deepEqual([...(await mcpBranches(top))].sort(), ['mcp/r1-a', 'mcp/run-r1']);
});

test('commitsOnlyIn: many branches in one walk, each counting its own commits, as one rev-list a branch would', async () => {
  const { top, ws } = await repo();
  const commit = async (dir: string, name: string): Promise<void> => {
    writeFileSync(path.join(dir, `${name}.txt`), name);
    await git(dir, ['add', '-A']);
    await git(dir, ['commit', '-q', '-m', name]);
  };
  // b on top of a (a dependent), c from main with one of its own, d a merge of a and c, e with none.
  await git(ws, ['checkout', '-q', '-b', 'mcp/r1-b']);
  await commit(ws, 'b1');
  await commit(ws, 'b2');
  await git(ws, ['checkout', '-q', '-b', 'mcp/r1-c', 'main']);
  await commit(ws, 'c1');
  await git(ws, ['checkout', '-q', '-b', 'mcp/r1-d', 'mcp/r1-a']);
  await git(ws, ['merge', '-q', '--no-ff', '-m', 'd', 'mcp/r1-c']);
  await git(top, ['branch', 'mcp/r1-e', 'main']);
  const all = ['mcp/r1-a', 'mcp/r1-b', 'mcp/r1-c', 'mcp/r1-d', 'mcp/r1-e'];
  const oneByOne = async (keep: string[]): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const branch of all) counts[branch] = Number(await git(top, ['rev-list', '--count', `refs/heads/${branch}`, '--not', 'HEAD', '--exclude=mcp/*', '--branches', '--tags', '--remotes', ...keep.map((k) => `refs/heads/${k}`)]));
    return counts;
  };
  assert.deepEqual(Object.fromEntries(await commitsOnlyIn(top, all, [])), { 'mcp/r1-a': 1, 'mcp/r1-b': 3, 'mcp/r1-c': 1, 'mcp/r1-d': 3, 'mcp/r1-e': 0 });
  assert.deepEqual(Object.fromEntries(await commitsOnlyIn(top, all, [])), await oneByOne([]));
  // Kept, b holds a's commit; d then has c's and its merge.
  assert.deepEqual(Object.fromEntries(await commitsOnlyIn(top, all, ['mcp/r1-b'])), { 'mcp/r1-a': 0, 'mcp/r1-b': 0, 'mcp/r1-c': 1, 'mcp/r1-d': 2, 'mcp/r1-e': 0 });
  assert.deepEqual(Object.fromEntries(await commitsOnlyIn(top, all, ['mcp/r1-b'])), await oneByOne(['mcp/r1-b']));
  assert.deepEqual(await commitsOnlyIn(top, [], []), new Map());
  await assert.rejects(commitsOnlyIn(top, ['mcp/none'], []));
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

test('registeredWorktrees, removeWorktree, deleteBranches and prune leave git with no trace of the task', async () => {
  const { top, ws } = await repo();
  assert.equal(await repositoryTop(ws), ws);
  const worktrees = await registeredWorktrees(top);
  assert.equal(worktrees.get(ws), 'mcp/r1-a');
  assert.equal(worktrees.get(top), 'main');
  assert.ok(worktrees.has(realPath(ws)));
  await git(top, ['update-ref', 'refs/mcp-start/mcp/r1-a', 'main']);

  // Ignored files do not count as work. A clean worktree goes as a folder; git lists it, and
  // keeps its branch checked out, until the prune.
  mkdirSync(path.join(ws, 'ignored'));
  writeFileSync(path.join(ws, 'ignored', 'dep.js'), '');
  await removeWorktree(top, ws, { force: false, registered: true });
  assert.equal(existsSync(ws), false);
  assert.match(await git(top, ['worktree', 'list', '--porcelain']), new RegExp(`worktree ${ws}\\n`));
  assert.match((await deleteBranches(top, ['mcp/r1-a'])).get('mcp/r1-a') ?? '', /mcp\/r1-a/);
  await pruneWorktrees(top);
  assert.deepEqual(await deleteBranches(top, ['mcp/r1-a']), new Map());
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

test('removeWorktree: a dirty worktree needs force; a locked one is left to git; one git does not know is removed as a folder', async () => {
  const { top, ws } = await repo();
  writeFileSync(path.join(ws, 'new.txt'), 'n\n');
  // Dirty since the caller decided it was clean: kept, and said so.
  await assert.rejects(removeWorktree(top, ws, { force: false, registered: true }), /changed since clean looked at it/);
  assert.ok(existsSync(path.join(ws, 'new.txt')));
  // Through git: gone from its list at once.
  await removeWorktree(top, ws, { force: true, registered: true });
  assert.equal(existsSync(ws), false);
  assert.doesNotMatch(await git(top, ['worktree', 'list', '--porcelain']), new RegExp(`worktree ${ws}\\n`));

  const locked = path.join(tmp, `locked-${counter}`);
  await git(top, ['worktree', 'add', '-q', '--detach', locked]);
  await git(top, ['worktree', 'lock', '--reason', 'on a USB disk', locked]);
  await assert.rejects(removeWorktree(top, locked, { force: false, registered: true }), /locked/);
  assert.ok(existsSync(path.join(locked, 'README.md')));

  // A project with submodules: git removes it (it would refuse one with submodules checked out).
  const withModules = path.join(tmp, `modules-${counter}`);
  await git(top, ['worktree', 'add', '-q', '-b', 'mcp/r1-m', withModules]);
  writeFileSync(path.join(withModules, '.gitmodules'), '');
  await git(withModules, ['add', '.gitmodules']);
  await git(withModules, ['commit', '-q', '-m', 'modules']);
  await removeWorktree(top, withModules, { force: false, registered: true });
  assert.equal(existsSync(withModules), false);
  assert.doesNotMatch(await git(top, ['worktree', 'list', '--porcelain']), new RegExp(`worktree ${withModules}\\n`));

  const plain = path.join(tmp, `plain-folder-${counter}`);
  mkdirSync(path.join(plain, 'sub'), { recursive: true });
  await removeWorktree(null, plain, { force: true, registered: false });
  assert.equal(existsSync(plain), false);
});

test('deleteBranches: all in one git; one checked out stays, with what git said; the others and their start marks go', async () => {
  const { top, ws } = await repo();
  const names = Array.from({ length: 250 }, (_, i) => `mcp/r2-${i}`);
  for (const name of names) await git(top, ['branch', name, 'main']);
  await git(top, ['update-ref', 'refs/mcp-start/mcp/r2-7', 'main']);
  // More than one git's share (200), the branch a worktree holds among them, and one that is not there.
  const failed = await deleteBranches(top, [...names, 'mcp/r1-a', 'mcp/never-made']);
  assert.deepEqual([...failed.keys()], ['mcp/r1-a']);
  assert.match(failed.get('mcp/r1-a') ?? '', new RegExp(`'mcp/r1-a'.*${path.basename(ws)}|checked out`));
  assert.deepEqual([...(await mcpBranches(top))], ['mcp/r1-a']);
  assert.equal(await tryGit(top, ['rev-parse', '--verify', '--quiet', 'refs/mcp-start/mcp/r2-7']), null);
  assert.deepEqual(await deleteBranches(top, []), new Map());
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
