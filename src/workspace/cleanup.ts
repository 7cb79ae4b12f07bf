import { existsSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { git, tryGit, withRepoLock } from './git.js';
import { startRef } from './workspace.js';

/**
 * The git side of `mcp clean`: what a worktree or a branch holds, and removing them. It
 * decides nothing (orchestrator/clean.ts does); it answers and acts.
 */

/** Where mcp's task branches live; `mcp/run-<id>` and a private repository's `mcp/base` too. */
const MCP_BRANCHES = 'mcp/*';

/** A path with its links resolved, or as given (made absolute) when it does not exist. */
export function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** The repository's top level, or null when `dir` is in none (or is gone). */
export async function repositoryTop(dir: string): Promise<string | null> {
  try {
    if (!statSync(dir).isDirectory()) return null;
  } catch {
    return null;
  }
  return tryGit(dir, ['rev-parse', '--show-toplevel']);
}

/**
 * The worktrees git knows in this repository (the main one included): real path -> branch
 * checked out there, or null. One whose folder is gone is left out: it is what `git
 * worktree prune` forgets (an old state root's result worktree, moved away), and the
 * branch git still thinks checked out there is free.
 */
export async function registeredWorktrees(top: string): Promise<Map<string, string | null>> {
  const out = (await tryGit(top, ['worktree', 'list', '--porcelain'])) ?? '';
  const worktrees = new Map<string, string | null>();
  let current: string | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) {
      const dir = line.slice('worktree '.length);
      current = existsSync(dir) ? realPath(dir) : null;
      if (current !== null) worktrees.set(current, null);
    } else if (line.startsWith('branch refs/heads/') && current !== null) {
      worktrees.set(current, line.slice('branch refs/heads/'.length));
    }
  }
  return worktrees;
}

/**
 * How many worktrees git has registered besides the main one, those whose folder is gone
 * included (git reads them all the same until a prune), and how many of them lie under
 * `dir`. Null when git cannot list them.
 */
export async function worktreeCount(top: string, dir: string): Promise<{ registered: number; under: number } | null> {
  const out = await tryGit(top, ['worktree', 'list', '--porcelain']);
  if (out === null) return null;
  const prefix = `${realPath(dir)}${path.sep}`;
  // The first one listed is the main worktree.
  const listed = out
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .slice(1);
  return { registered: listed.length, under: listed.filter((line) => `${realPath(line.slice('worktree '.length))}${path.sep}`.startsWith(prefix)).length };
}

/**
 * True when the worktree holds anything not committed: changes to tracked files, or
 * untracked files (all of them, whatever the user's status.showUntrackedFiles says).
 * Ignored files (a node_modules a task installed) can be made again and do not count.
 * Null when git cannot read it as a worktree.
 */
export async function isDirty(worktree: string): Promise<boolean | null> {
  const status = await tryGit(worktree, ['status', '--porcelain', '--untracked-files=all']);
  return status === null ? null : status.length > 0;
}

/** Branch names under `mcp/` that exist. */
export async function mcpBranches(top: string): Promise<Set<string>> {
  const out = (await tryGit(top, ['for-each-ref', '--format=%(refname:short)', `refs/heads/${MCP_BRANCHES}`])) ?? '';
  return new Set(out.split('\n').filter(Boolean));
}

/** The branch HEAD is on (`main`), or `HEAD` when it is detached. */
export async function currentBranch(top: string): Promise<string> {
  return (await tryGit(top, ['rev-parse', '--abbrev-ref', 'HEAD'])) ?? 'HEAD';
}

/** True when every commit of `branch` is in HEAD (the user's current branch). */
export async function mergedIntoHead(top: string, branch: string): Promise<boolean> {
  return (await tryGit(top, ['merge-base', '--is-ancestor', `refs/heads/${branch}`, 'HEAD'])) !== null;
}

/**
 * How many commits of `branch` no ref that stays holds: not HEAD, not any branch, tag or
 * remote-tracking branch outside `mcp/`, not the branches of `mcp/` named in `keep` (the
 * run branch when it is kept, a private repository's base). Other `mcp/` branches never
 * count: this clean, or the next, may delete them too.
 */
export async function commitsOnlyIn(top: string, branch: string, keep: readonly string[]): Promise<number> {
  const args = ['rev-list', '--count', `refs/heads/${branch}`, '--not', 'HEAD', `--exclude=${MCP_BRANCHES}`, '--branches', '--tags', '--remotes', ...keep.map((name) => `refs/heads/${name}`)];
  return Number(await git(top, args));
}

/** Commits of the repository beyond `base` (a private repository holding no work has none). */
export async function commitsBeyond(top: string, base: string): Promise<number> {
  return Number(await git(top, ['rev-list', '--count', '--all', '--not', `refs/heads/${base}`]));
}

/**
 * Removes a worktree. A registered one through git (`--force` also drops uncommitted
 * work); one git does not know (its link broken) as a plain folder.
 */
export async function removeWorktree(top: string | null, dir: string, options: { force: boolean; registered: boolean }): Promise<void> {
  if (top && options.registered) {
    await withRepoLock(top, () => git(top, ['worktree', 'remove', ...(options.force ? ['--force'] : []), dir]));
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Deletes a branch, and the start mark a private repository keeps for it. `-D`: whether its
 * commits are elsewhere was checked by the caller, against more than git's own upstream.
 */
export async function deleteBranch(top: string, branch: string): Promise<void> {
  await git(top, ['branch', '-D', branch]);
  await tryGit(top, ['update-ref', '-d', startRef(branch)]);
}

/** Forgets worktrees whose folder is gone (also those of old state roots, moved away). */
export async function pruneWorktrees(top: string): Promise<void> {
  await withRepoLock(top, () => git(top, ['worktree', 'prune']));
}

/** True when the patch is already applied to `dir`: it applies in reverse. An empty patch is. */
export async function patchApplied(dir: string, patch: string): Promise<boolean> {
  try {
    if (statSync(patch).size === 0) return true;
  } catch {
    return false;
  }
  return (await tryGit(dir, ['apply', '--reverse', '--check', patch])) !== null;
}
