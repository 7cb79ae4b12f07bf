import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { GitError, WorkspaceError } from '../domain/errors.js';
import { git, gitResult, tryGit, withRepoLock } from './git.js';
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
  return (await branchNames(top, [`refs/heads/${MCP_BRANCHES}`])) ?? new Set();
}

/** The branches matching the `for-each-ref` patterns, or null when git cannot say. */
async function branchNames(top: string, patterns: readonly string[]): Promise<Set<string> | null> {
  const out = await tryGit(top, ['for-each-ref', '--format=%(refname:short)', ...patterns]);
  return out === null ? null : new Set(out.split('\n').filter(Boolean));
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
 * For each of `branches`, how many of its commits no ref that stays holds: not HEAD, not any
 * branch, tag or remote-tracking branch outside `mcp/`, not the branches of `mcp/` named in
 * `keep` (the run branch when it is kept, a private repository's base). Other `mcp/`
 * branches never count: this clean, or the next, may delete them too.
 *
 * One walk for all of them: a `rev-list` a branch read every ref of the repository each time
 * (a run's thousand task branches made that a million reads), so the commits that some
 * branch reaches and no staying ref does are listed once, with their parents, and each
 * branch counts its own among them.
 */
export async function commitsOnlyIn(top: string, branches: readonly string[], keep: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (branches.length === 0) return counts;
  const tips = await git(top, ['rev-parse', ...branches.map((branch) => `refs/heads/${branch}^{commit}`)]).then((out) => out.split('\n'));
  if (tips.length !== branches.length) throw new GitError(`git rev-parse gave ${tips.length} commits for ${branches.length} branches (in ${top})`, 'run mcp clean again');
  const listed = await git(top, ['rev-list', '--parents', ...new Set(tips), '--not', 'HEAD', `--exclude=${MCP_BRANCHES}`, '--branches', '--tags', '--remotes', ...keep.map((name) => `refs/heads/${name}`)]);
  const parents = new Map<string, string[]>();
  for (const line of listed.split('\n')) {
    const [commit, ...rest] = line.split(' ');
    if (commit) parents.set(commit, rest);
  }
  branches.forEach((branch, index) => {
    // The branch's own commits: what it reaches without passing through a commit a staying ref holds.
    const seen = new Set<string>();
    const stack = [tips[index] as string];
    while (stack.length > 0) {
      const commit = stack.pop() as string;
      if (seen.has(commit) || !parents.has(commit)) continue;
      seen.add(commit);
      stack.push(...(parents.get(commit) as string[]));
    }
    counts.set(branch, seen.size);
  });
  return counts;
}

/** Commits of the repository beyond `base` (a private repository holding no work has none). */
export async function commitsBeyond(top: string, base: string): Promise<number> {
  return Number(await git(top, ['rev-list', '--count', '--all', '--not', `refs/heads/${base}`]));
}

/**
 * Removes a worktree. One git does not know (its link broken) goes as a plain folder, so
 * does a clean one: `git worktree remove` reads every registered worktree and runs a status
 * of its own (142–277 ms a removal with 1,000 registered here, so a large run's clean took
 * minutes). The clean one is checked again just before, so a change made since the caller
 * looked stays. Through git: `--force` (which also drops uncommitted work), and the
 * worktrees `needsGit` names (git refuses a locked one, or one with submodules checked
 * out, and says why). A worktree removed as a folder stays in git's list, its branch
 * checked out there, until `pruneWorktrees`.
 */
export async function removeWorktree(top: string | null, dir: string, options: { force: boolean; registered: boolean }): Promise<void> {
  if (!top || !options.registered) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  if (!options.force && !needsGit(dir)) {
    const dirty = await isDirty(dir);
    if (dirty) throw new WorkspaceError(`${dir} changed since clean looked at it: it holds uncommitted changes or untracked files now`, 'run mcp clean again to see it listed as kept; --force removes it with them');
    if (dirty === false) {
      await rm(dir, { recursive: true, force: true });
      return;
    }
  }
  await withRepoLock(top, () => git(top, ['worktree', 'remove', ...(options.force ? ['--force'] : []), dir]));
}

/**
 * Whether the removal is git's to make: a locked worktree (`git worktree lock`), one with
 * submodules (their commits live in its admin folder, which the prune would delete), one
 * whose `.git` file cannot be read.
 */
function needsGit(dir: string): boolean {
  let link: string;
  try {
    link = readFileSync(path.join(dir, '.git'), 'utf8');
  } catch {
    return true;
  }
  const admin = /^gitdir: (.+)$/m.exec(link)?.[1]?.trim();
  if (!admin) return true;
  const adminDir = path.resolve(dir, admin);
  return existsSync(path.join(adminDir, 'locked')) || existsSync(path.join(adminDir, 'modules')) || existsSync(path.join(dir, '.gitmodules'));
}

/**
 * Deletes branches with one git for all (each `git branch -D` reads every registered
 * worktree), and the start marks a private repository keeps for them. Returns the ones that
 * could not go, with what git said; `-D`: whether their commits are elsewhere was checked by
 * the caller, against more than git's own upstream.
 */
export async function deleteBranches(top: string, branches: readonly string[]): Promise<Map<string, string>> {
  let said = '';
  // Chunks keep the command line well under the system's limit.
  for (let at = 0; at < branches.length; at += BRANCHES_PER_GIT) {
    const result = await gitResult(top, ['branch', '-D', ...branches.slice(at, at + BRANCHES_PER_GIT)]);
    if (result.code !== 0) said += `${result.stderr || result.spawnError || `git branch -D exited ${String(result.code)}`}\n`;
  }
  const left = said ? await stillThere(top, branches) : new Set<string>();
  const failed = new Map<string, string>();
  const lines = said.split('\n').filter(Boolean);
  for (const branch of left) failed.set(branch, lines.find((line) => line.includes(`'${branch}'`))?.trim() ?? lines[0]?.trim() ?? `git branch -D ${branch} failed`);
  const gone = branches.filter((branch) => !left.has(branch));
  if (gone.length > 0) {
    try {
      await git(top, ['update-ref', '--stdin'], { input: gone.map((branch) => `delete ${startRef(branch)}\n`).join('') });
    } catch {
      // A mark left behind names a branch that is gone: nothing reads it any more.
    }
  }
  return failed;
}

/** How many branches one `git branch -D` is given. */
const BRANCHES_PER_GIT = 200;

/** Which of `branches` still exist; all of them when git cannot say. */
async function stillThere(top: string, branches: readonly string[]): Promise<Set<string>> {
  const found = await branchNames(top, branches.map((branch) => `refs/heads/${branch}`));
  return found === null ? new Set(branches) : new Set(branches.filter((branch) => found.has(branch)));
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
