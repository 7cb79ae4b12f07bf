import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { GitError, WorkspaceError } from '../domain/errors.js';
import { git, tryGit, withRepoLock } from './git.js';

/**
 * The repository a run's workspaces are worktrees of: the user's own in a git project,
 * otherwise the run's private one in the state root (see run-repository.ts).
 */
export interface RunRepo {
  /** The repository's top level. */
  top: string;
  /** The commit the run started from. */
  baseCommit: string;
  /** Where the project sits in the repository, relative to `top` ('' when it is the top). */
  projectPath: string;
  /**
   * True for the run's private repository: its branches mean nothing to the user, so the
   * run's result is a patch for the project rather than a branch.
   */
  private: boolean;
}

export interface WorkspaceSpec {
  repo: RunRepo;
  workspace: string;
  branch: string;
  /** Dependencies' branches, dependencies first. */
  dependencies: { branch: string }[];
}

export { WorkspaceError };

/**
 * Makes the task's isolated working copy and returns the directory Codex works in: a
 * worktree on `mcp/<taskId>` started from its dependencies' branches, merged in order. An
 * existing workspace (a retry or a resumed task) is reused as it is.
 */
export async function prepareWorkspace(spec: WorkspaceSpec): Promise<string> {
  try {
    return await prepareWorktree(spec, spec.repo);
  } catch (error) {
    if (error instanceof GitError) throw new WorkspaceError(`the task's workspace could not be made: ${error.message}`, error.hint);
    throw error;
  }
}

/** Where a task works in its workspace: the project's own folder in the worktree of its repository. */
export function workspaceCwd(workspace: string, repo: RunRepo): string {
  return path.join(workspace, repo.projectPath);
}

async function prepareWorktree(spec: WorkspaceSpec, repo: RunRepo): Promise<string> {
  const cwd = workspaceCwd(spec.workspace, repo);
  if (existsSync(spec.workspace)) return cwd;
  mkdirSync(path.dirname(spec.workspace), { recursive: true });
  const [first, ...rest] = spec.dependencies;
  // A new branch is the common case: one git command; a branch left by an earlier attempt
  // (its workspace removed) is checked out as it is.
  const branchExists = await withRepoLock(repo.top, async () => {
    const made = await tryGit(repo.top, ['worktree', 'add', '-b', spec.branch, spec.workspace, first ? first.branch : repo.baseCommit]);
    if (made !== null) return false;
    if ((await tryGit(repo.top, ['rev-parse', '--verify', '--quiet', `refs/heads/${spec.branch}`])) === null) {
      // Not an existing branch: say what git says.
      await git(repo.top, ['worktree', 'add', '-b', spec.branch, spec.workspace, first ? first.branch : repo.baseCommit]);
      return false;
    }
    await git(repo.top, ['worktree', 'add', spec.workspace, spec.branch]);
    return true;
  });
  if (!branchExists) {
    for (const dep of rest) {
      try {
        await git(spec.workspace, ['merge', '--no-edit', '-m', `mcp: combine ${dep.branch}`, dep.branch]);
      } catch (error) {
        await tryGit(spec.workspace, ['merge', '--abort']);
        throw new WorkspaceError(
          `merging dependency branch ${dep.branch} into ${spec.branch} conflicts: ${(error as Error).message}`,
          'the dependencies changed the same lines; resolve it by hand, or rerun with a plan where one depends on the other',
        );
      }
    }
    if (repo.private) await recordTaskStart(repo.top, spec.branch);
  }
  return cwd;
}

/** Where the commit a task started from is kept, in the run's private repository. */
export function startRef(branch: string): string {
  return `refs/mcp-start/${branch}`;
}

/**
 * Remembers the branch's current head as the commit its task starts from, so the task's
 * own change can be told apart from its dependencies' later (`taskStart`).
 */
export async function recordTaskStart(top: string, branch: string): Promise<void> {
  await git(top, ['update-ref', startRef(branch), `refs/heads/${branch}`]);
}

/** The commit a task started from, or null when none was recorded. */
export async function taskStart(top: string, branch: string): Promise<string | null> {
  return tryGit(top, ['rev-parse', '--verify', '--quiet', `${startRef(branch)}^{commit}`]);
}

/** Records the task's work on its branch so dependents and the final merge can see it. */
export async function commitWorkspace(workspace: string, message: string): Promise<boolean> {
  // Explicit: a user's status.showUntrackedFiles=no would hide a task that only added files.
  const status = await git(workspace, ['status', '--porcelain', '--untracked-files=all']);
  if (!status) return false;
  await git(workspace, ['add', '-A']);
  await git(workspace, ['commit', '--no-verify', '-q', '-m', message]);
  return true;
}
