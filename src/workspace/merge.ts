import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { git, tryGit, withRepoLock } from './git.js';

export interface MergeStep {
  taskKey: string;
  branch: string;
}

export interface Conflict {
  step: MergeStep;
  files: string[];
}

/** The run's result branch, in its own worktree so the user's checkout is never touched. */
export async function prepareResultWorktree(top: string, dir: string, branch: string, baseCommit: string): Promise<void> {
  if (existsSync(dir)) return;
  mkdirSync(path.dirname(dir), { recursive: true });
  await withRepoLock(top, () => git(top, ['worktree', 'add', '-B', branch, dir, baseCommit]));
}

/**
 * Merges one task branch into the result worktree. On a conflict the merge is undone
 * and the conflicting files are returned; the caller decides who resolves them.
 */
export async function mergeBranch(resultDir: string, step: MergeStep): Promise<Conflict | null> {
  const merged = await tryGit(resultDir, ['merge', '--no-ff', '--no-edit', '-m', `mcp: merge ${step.taskKey} (${step.branch})`, step.branch]);
  if (merged !== null) return null;
  const files = (await tryGit(resultDir, ['diff', '--name-only', '--diff-filter=U'])) ?? '';
  await tryGit(resultDir, ['merge', '--abort']);
  return { step, files: files.split('\n').filter(Boolean) };
}

/**
 * A workspace holding the conflict: a worktree on `branch`, started from the result so
 * far, with the merge left half done (markers in the files) for a Codex task to resolve.
 */
export async function prepareConflictWorkspace(top: string, workspace: string, branch: string, resultBranch: string, conflict: Conflict): Promise<void> {
  if (existsSync(workspace)) return;
  mkdirSync(path.dirname(workspace), { recursive: true });
  await withRepoLock(top, () => git(top, ['worktree', 'add', '-B', branch, workspace, resultBranch]));
  await tryGit(workspace, ['merge', '--no-ff', '--no-edit', conflict.step.branch]);
}

/** True when a resolver left conflict markers in any of the files. */
export function markersRemain(workspace: string, files: string[]): string[] {
  return files.filter((file) => {
    try {
      return /^(<{7}|>{7})( |$)/m.test(readFileSync(path.join(workspace, file), 'utf8'));
    } catch {
      return false;
    }
  });
}

export async function fastForward(resultDir: string, branch: string): Promise<void> {
  await git(resultDir, ['merge', '--ff-only', branch]);
}

export async function diffStat(top: string, from: string, to: string): Promise<string> {
  return (await tryGit(top, ['diff', '--stat', from, to])) ?? '';
}
