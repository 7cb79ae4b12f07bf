import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RunRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { directoryBytes } from '../store/disk-usage.js';
import { BASE_BRANCH } from '../workspace/run-repository.js';
import { commitsBeyond, commitsOnlyIn, currentBranch, isDirty, mcpBranches, mergedIntoHead, patchApplied, realPath, registeredWorktrees, repositoryTop, worktreeCount } from '../workspace/cleanup.js';
import { GIT_AT_ONCE, mapLimit } from './map-limit.js';
import { keepsRunBranch, type BranchFact, type CleanOptions, type FolderFact, type RunBranchFact, type RunFacts, type WorktreeFact } from './clean.js';

type RunOfFacts = Pick<RunRecord, 'id' | 'status' | 'createdAt' | 'endedAt' | 'project'>;

/** The repository a run's worktrees belong to: its private one outside git, else the project's. */
export interface RunRepository {
  top: string | null;
  private: boolean;
}

export async function runRepository(root: StateRoot, run: Pick<RunRecord, 'id' | 'project'>, facts?: RepositoryFacts): Promise<RunRepository> {
  const own = root.runFiles(run.id).repo;
  if (existsSync(own)) return { top: own, private: true };
  return { top: await (facts ? facts.top(run.project) : repositoryTop(run.project)), private: false };
}

/**
 * The worktrees registered in the repository the project is in, and how many of them are
 * task workspaces of this state root (what `mcp clean` can free); null outside git.
 */
export async function worktreeBacklog(project: string, root: StateRoot): Promise<{ top: string; registered: number; under: number } | null> {
  const top = await repositoryTop(project);
  const counts = top ? await worktreeCount(top, root.runsDir) : null;
  return top && counts ? { top, ...counts } : null;
}

interface RepositoryState {
  /** Real path of each registered worktree -> the branch checked out there. */
  worktrees: Map<string, string | null>;
  /** Its `mcp/` branches. */
  branches: Set<string>;
  /** The branch HEAD is on, or `HEAD` when detached. */
  current: string;
}

/**
 * What one clean asks git once per repository rather than once per run: the repository a
 * project is in, its worktree list, its `mcp/` branches and the branch HEAD is on. Runs are
 * gathered after earlier runs' items went; what those removals leave stale here (their
 * worktrees and branches) names only the earlier runs, never a later run's own items.
 */
export class RepositoryFacts {
  private readonly tops = new Map<string, Promise<string | null>>();
  private readonly facts = new Map<string, Promise<RepositoryState>>();

  top(project: string): Promise<string | null> {
    let top = this.tops.get(project);
    if (!top) this.tops.set(project, (top = repositoryTop(project)));
    return top;
  }

  of(top: string): Promise<RepositoryState> {
    let facts = this.facts.get(top);
    if (!facts) {
      facts = Promise.all([registeredWorktrees(top), mcpBranches(top), currentBranch(top)]).then(([worktrees, branches, current]) => ({ worktrees, branches, current }));
      this.facts.set(top, facts);
    }
    return facts;
  }
}

/**
 * What exists of a run, read from the disk and git: its worktrees (dirty or not), its task
 * branches (with the commits only they hold), its run branch, and with --logs its folders.
 * Sizes are measured here, before anything is removed.
 */
export async function gatherRunFacts(
  root: StateRoot,
  store: TaskStore,
  run: RunOfFacts,
  repo: RunRepository,
  options: Pick<CleanOptions, 'logs' | 'branches'>,
  shared = new RepositoryFacts(),
): Promise<RunFacts> {
  const files = root.runFiles(run.id);
  const tasks = store.tasksOf(run.id);
  const { top } = repo;
  // A private repository belongs to this run alone: nothing to share with the next one.
  const facts = top ? await (repo.private ? new RepositoryFacts() : shared).of(top) : null;
  const worktrees = facts?.worktrees ?? new Map<string, string | null>();

  const taskWorkspaces = new Set<string>();
  const present = tasks.map((task) => ({ task, dir: root.workspaceDir(task.id) })).filter(({ dir }) => existsSync(dir));
  // A git status a worktree: several at once, each is a process of its own.
  const worktreeFacts: WorktreeFact[] = await mapLimit(present, GIT_AT_ONCE, async ({ task, dir }) => {
    const real = realPath(dir);
    taskWorkspaces.add(real);
    const registered = worktrees.has(real);
    return { task: task.id, path: dir, label: path.relative(root.dir, dir), kind: 'task', registered, dirty: registered ? await isDirty(dir) : null, bytes: directoryBytes(dir) ?? 0 };
  });
  if (existsSync(files.resultWorktree)) {
    worktreeFacts.push({ task: null, path: files.resultWorktree, label: path.relative(root.dir, files.resultWorktree), kind: 'result', registered: false, dirty: await isDirty(files.resultWorktree), bytes: directoryBytes(files.resultWorktree) ?? 0 });
  }

  // Branches checked out in worktrees this clean does not remove (the user's own) stay.
  const checkedOut = new Set<string>();
  for (const [dir, branch] of worktrees) if (branch && !taskWorkspaces.has(dir)) checkedOut.add(branch);

  const existing = facts?.branches ?? new Set<string>();
  const current = facts?.current ?? 'HEAD';
  const runBranchName = `mcp/run-${run.id}`;
  let runBranch: RunBranchFact | null = null;
  if (top && !repo.private && existing.has(runBranchName)) {
    runBranch = { name: runBranchName, merged: await mergedIntoHead(top, runBranchName), checkedOut: checkedOut.has(runBranchName) };
  }
  // The branches whose commits are not lost when a task branch goes. In a private
  // repository the run branch and the base always stay (they go only with the repository).
  const keep = repo.private ? [BASE_BRANCH, runBranchName].filter((name) => existing.has(name)) : keepsRunBranch(runBranch, options) ? [runBranchName] : [];
  const named = top ? tasks.map((task) => ({ task, name: `mcp/${task.id}` })).filter(({ name }) => existing.has(name)) : [];
  const onlyHere = top ? await commitsOnlyIn(top, named.map(({ name }) => name), keep) : new Map<string, number>();
  const branchFacts: BranchFact[] = named.map(({ task, name }) => ({ task: task.id, name, commitsOnlyHere: onlyHere.get(name) ?? 0, checkedOut: checkedOut.has(name) }));

  const folders: FolderFact[] = [];
  let privateWork: RunFacts['privateWork'] = null;
  if (options.logs) {
    for (const task of tasks) {
      const dir = root.taskDir(task.id);
      if (existsSync(dir)) folders.push({ task: task.id, path: dir, bytes: directoryBytes(dir, { exclude: [root.workspaceDir(task.id)] }) ?? 0 });
    }
    if (existsSync(files.dir)) folders.push({ task: null, path: files.dir, bytes: directoryBytes(files.dir, { exclude: [files.resultWorktree] }) ?? 0 });
    if (repo.private && top) {
      const patch = existsSync(files.resultPatch) ? files.resultPatch : null;
      privateWork = { commits: await commitsBeyond(top, BASE_BRANCH), patch, applied: patch ? await patchApplied(run.project, patch) : false };
    }
  }

  return {
    run: { id: run.id, status: run.status, createdAt: run.createdAt, endedAt: run.endedAt },
    private: repo.private,
    current,
    repoMissing: top ? null : `the project ${run.project} is gone or no longer a git repository`,
    worktrees: worktreeFacts,
    branches: branchFacts,
    runBranch,
    folders,
    privateWork,
  };
}
