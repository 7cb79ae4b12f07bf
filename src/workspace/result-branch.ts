import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitError } from '../domain/errors.js';
import { describeEnd, runCommand } from '../terminal/run-command.js';
import { git, tryGit, withRepoLock } from './git.js';

/**
 * The run's result branch, moved forward one merge at a time as tasks finish, without a
 * checkout: `git merge-tree --write-tree` computes the merged tree in the object store,
 * `commit-tree` and `update-ref` record it. Nothing touches a working tree, so a merge
 * costs three short git commands and never waits for the last task.
 */

export type MergeResult = { kind: 'merged'; commit: string } | { kind: 'unchanged' } | { kind: 'conflict'; files: string[] };

/** `merge-tree --write-tree` came with git 2.38; older git merges in a scratch worktree. */
const MERGE_TREE_SINCE: readonly [number, number] = [2, 38];

let versionOk: Promise<boolean> | null = null;

function hasMergeTree(top: string): Promise<boolean> {
  versionOk ??= (async () => {
    const text = (await tryGit(top, ['version'])) ?? '';
    const match = /(\d+)\.(\d+)/.exec(text);
    if (!match) return false;
    const [major, minor] = [Number(match[1]), Number(match[2])];
    return major > MERGE_TREE_SINCE[0] || (major === MERGE_TREE_SINCE[0] && minor >= MERGE_TREE_SINCE[1]);
  })();
  return versionOk;
}

function ref(branch: string): string {
  return `refs/heads/${branch}`;
}

/** Creates the result branch at the run's base, unless it exists (a resumed run keeps its merges). */
export async function ensureResultBranch(top: string, branch: string, baseCommit: string): Promise<void> {
  const existing = await tryGit(top, ['rev-parse', '--verify', '--quiet', `${ref(branch)}^{commit}`]);
  if (existing === null) await git(top, ['update-ref', ref(branch), baseCommit, '']);
}

export async function headOf(top: string, branch: string): Promise<string> {
  return git(top, ['rev-parse', '--verify', `${ref(branch)}^{commit}`]);
}

/** True when `ancestor` is already contained in `descendant`. */
async function contains(top: string, descendant: string, ancestor: string): Promise<boolean> {
  return (await tryGit(top, ['merge-base', '--is-ancestor', ancestor, descendant])) !== null;
}

/**
 * Merges `source` into `target` (both branch names) as a merge commit. Unchanged when the
 * target already has everything the source has; a conflict leaves the target as it was.
 */
export async function mergeInto(top: string, target: string, source: string, message: string): Promise<MergeResult> {
  return withRepoLock(top, async () => {
    const head = await headOf(top, target);
    const theirs = await headOf(top, source);
    if (await contains(top, head, theirs)) return { kind: 'unchanged' };
    const result = (await hasMergeTree(top)) ? await mergeTree(top, head, theirs) : await mergeInScratch(top, head, theirs);
    if (result.kind === 'conflict') return result;
    const commit = await git(top, ['commit-tree', result.tree, '-p', head, '-p', theirs, '-m', message]);
    // Compare-and-swap: the branch moves only from the head this merge was computed on.
    await git(top, ['update-ref', ref(target), commit, head]);
    return { kind: 'merged', commit };
  });
}

export type TreeResult = { kind: 'tree'; tree: string } | { kind: 'conflict'; files: string[] };

export async function mergeTree(top: string, ours: string, theirs: string): Promise<TreeResult> {
  const args = ['merge-tree', '--write-tree', '--name-only', '--no-messages', ours, theirs];
  const result = await runCommand(['git', ...args], { cwd: top });
  const [tree = '', ...files] = result.stdout.trim().split('\n');
  // Exit 1 is a conflict, its files listed after the tree id; anything else is a failure.
  if (result.code === 0) return { kind: 'tree', tree };
  if (result.code === 1) return { kind: 'conflict', files: [...new Set(files.filter(Boolean))] };
  throw new GitError(`git ${args.join(' ')} ${describeEnd(result)}: ${result.stderr.trim().split('\n').at(-1) ?? ''} (in ${top})`, 'run that git command by hand in that directory to see why');
}

/** Older git: the same merge in a detached scratch worktree, removed afterwards. */
export async function mergeInScratch(top: string, ours: string, theirs: string): Promise<TreeResult> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'mcp-merge-')), 'tree');
  try {
    await git(top, ['worktree', 'add', '--detach', dir, ours]);
    const merged = await tryGit(dir, ['-c', 'user.name=mcp', '-c', 'user.email=mcp@localhost', 'merge', '--no-ff', '--no-edit', '--no-commit', theirs]);
    if (merged === null) {
      const files = ((await tryGit(dir, ['diff', '--name-only', '--diff-filter=U'])) ?? '').split('\n').filter(Boolean);
      if (files.length > 0) return { kind: 'conflict', files };
    }
    return { kind: 'tree', tree: await git(dir, ['write-tree']) };
  } finally {
    await tryGit(top, ['worktree', 'remove', '--force', dir]);
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
}

/**
 * Moves the result branch to a resolver's branch, which started from the result's head
 * and merged the conflicting task there: only when it still contains that head.
 */
export async function advanceTo(top: string, target: string, resolverBranch: string): Promise<boolean> {
  return withRepoLock(top, async () => {
    const head = await headOf(top, target);
    const resolved = await headOf(top, resolverBranch);
    if (!(await contains(top, resolved, head))) return false;
    await git(top, ['update-ref', ref(target), resolved, head]);
    return true;
  });
}
