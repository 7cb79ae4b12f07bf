import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { git, GitError, tryGit, withRepoLock } from './git.js';

export interface WorkspaceSpec {
  /** The project directory the user ran mcp in. */
  project: string;
  /** Git top level and the commit the run started from; null for a plain copy. */
  git: { top: string; baseCommit: string } | null;
  /** State root, never copied into a workspace. */
  stateRoot: string;
  workspace: string;
  branch: string;
  /** Dependencies' branches (git) or workspaces (copy), dependencies first. */
  dependencies: { branch: string; workspace: string }[];
}

export class WorkspaceError extends Error {}

/**
 * Makes the task's isolated working copy and returns the directory Codex works in.
 * Git: a worktree on `mcp/<taskId>` started from its dependencies' branches, merged in
 * order. Otherwise a copy of the project with the dependencies' workspaces laid over it.
 * An existing workspace (a retry or a resumed task) is reused as it is.
 */
export async function prepareWorkspace(spec: WorkspaceSpec): Promise<string> {
  try {
    if (spec.git) return await prepareWorktree(spec, spec.git);
    return prepareCopy(spec);
  } catch (error) {
    if (error instanceof GitError) throw new WorkspaceError(error.message);
    throw error;
  }
}

async function prepareWorktree(spec: WorkspaceSpec, repo: { top: string; baseCommit: string }): Promise<string> {
  const cwd = path.join(spec.workspace, path.relative(repo.top, spec.project));
  if (existsSync(spec.workspace)) return cwd;
  mkdirSync(path.dirname(spec.workspace), { recursive: true });
  const [first, ...rest] = spec.dependencies;
  const branchExists = (await tryGit(repo.top, ['rev-parse', '--verify', '--quiet', `refs/heads/${spec.branch}`])) !== null;
  await withRepoLock(repo.top, () =>
    branchExists
      ? git(repo.top, ['worktree', 'add', spec.workspace, spec.branch])
      : git(repo.top, ['worktree', 'add', '-b', spec.branch, spec.workspace, first ? first.branch : repo.baseCommit]),
  );
  if (!branchExists) {
    for (const dep of rest) {
      try {
        await git(spec.workspace, ['merge', '--no-edit', '-m', `mcp: combine ${dep.branch}`, dep.branch]);
      } catch (error) {
        await tryGit(spec.workspace, ['merge', '--abort']);
        throw new WorkspaceError(`merging dependency branch ${dep.branch} into ${spec.branch} conflicts: ${(error as Error).message}`);
      }
    }
  }
  return cwd;
}

function prepareCopy(spec: WorkspaceSpec): string {
  if (existsSync(spec.workspace)) return spec.workspace;
  const stateRoot = path.resolve(spec.stateRoot);
  const outside = (src: string): boolean => {
    const resolved = path.resolve(src);
    return resolved !== stateRoot && !resolved.startsWith(stateRoot + path.sep);
  };
  mkdirSync(spec.workspace, { recursive: true });
  // Entry by entry: cpSync refuses a destination inside its source (the state root usually
  // lives in the project) before any filter runs.
  for (const name of readdirSync(spec.project)) {
    const source = path.join(spec.project, name);
    if (!outside(source)) continue;
    cpSync(source, path.join(spec.workspace, name), { recursive: true, filter: outside, verbatimSymlinks: true });
  }
  for (const dep of spec.dependencies) {
    cpSync(dep.workspace, spec.workspace, { recursive: true, force: true, verbatimSymlinks: true });
  }
  return spec.workspace;
}

/** Records the task's work on its branch so dependents and the final merge can see it. */
export async function commitWorkspace(workspace: string, message: string): Promise<boolean> {
  const status = await git(workspace, ['status', '--porcelain']);
  if (!status) return false;
  await git(workspace, ['add', '-A']);
  await git(workspace, ['commit', '--no-verify', '-q', '-m', message]);
  return true;
}
