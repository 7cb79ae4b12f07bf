import { RefusedError } from '../domain/errors.js';
import { isFinalRunState, type RunState } from '../domain/task-state.js';
import { plural } from '../domain/plural.js';

/**
 * What `mcp clean` may remove, decided from facts gathered beforehand (clean-facts.ts): which
 * runs, which of their worktrees, branches and folders, and why anything is kept. Nothing
 * here reads the disk or runs git, so every rule is unit-tested (clean.test.ts).
 *
 * The rules: a run that runs, or that a live supervisor still holds, is never touched. Work
 * that exists nowhere else is kept unless --force: a worktree with uncommitted changes or
 * untracked files, a task branch with commits no branch that stays holds. The run branch is
 * kept unless it is merged into the current branch or --branches says so. With --logs a run
 * whose every item could go is forgotten whole (folders and store rows); one that keeps
 * anything keeps its logs too, so mcp never leaves a branch or worktree it knows nothing of.
 */

export interface CleanOptions {
  /** One run; otherwise every finished run. */
  runId?: string;
  /** Keep runs that ended less than this long ago; `text` is how the user wrote it. */
  olderThan?: { ms: number; text: string } | null;
  dryRun: boolean;
  logs: boolean;
  branches: boolean;
  force: boolean;
}

export interface RunInfo {
  id: string;
  status: RunState;
  createdAt: string;
  endedAt: string | null;
}

/**
 * The supervisor holding the state root's lock: null when none is alive; `runs` null when it
 * holds the lock but did not answer a ping (what it runs is then unknown).
 */
export type LiveSupervisor = { pid: number; runs: ReadonlySet<string> | null } | null;

export type SkipReason =
  | 'running'
  | 'held'
  | 'supervisor'
  | 'recent'
  | 'dirty'
  | 'not-a-worktree'
  | 'unmerged'
  | 'worktree-kept'
  | 'checked-out'
  | 'run-branch-unmerged'
  | 'work-kept'
  | 'result-not-applied';

export type ItemKind = 'run' | 'worktree' | 'branch' | 'logs';

export interface Skip {
  kind: ItemKind;
  run: string;
  task?: string;
  path?: string;
  branch?: string;
  reason: SkipReason;
  refusal: RefusedError;
}

/** A task's workspace, or the result worktree an old version left in the run's records. */
export interface WorktreeFact {
  task: string | null;
  path: string;
  /** How messages name it: its path from the state root. */
  label: string;
  kind: 'task' | 'result';
  /** Git lists it among the repository's worktrees. */
  registered: boolean;
  /** Uncommitted changes or untracked files; null when git cannot read it. */
  dirty: boolean | null;
  bytes: number;
}

export interface BranchFact {
  task: string;
  name: string;
  /** Commits of the branch that no ref that stays holds (workspace/cleanup.ts commitsOnlyIn). */
  commitsOnlyHere: number;
  /** Checked out in a worktree clean does not remove (the user's own). */
  checkedOut: boolean;
}

export interface RunBranchFact {
  name: string;
  /** Every commit of it is in the current branch. */
  merged: boolean;
  checkedOut: boolean;
}

/** A folder of the run that only --logs removes; its bytes leave out the worktrees in it. */
export interface FolderFact {
  task: string | null;
  path: string;
  bytes: number;
}

export interface RunFacts {
  run: RunInfo;
  /** Outside git: the run's own repository in the state root. */
  private: boolean;
  /** The current branch of the repository (`main`), for messages. */
  current: string;
  /** Why the repository could not be found, when it could not (the project is gone). */
  repoMissing: string | null;
  worktrees: WorktreeFact[];
  branches: BranchFact[];
  /** The run branch in the user's repository, when it exists. */
  runBranch: RunBranchFact | null;
  /** With --logs: the task folders and the run's records. */
  folders: FolderFact[];
  /** With --logs outside git: work in the private repository, and whether the run's patch is applied to the project. */
  privateWork: { commits: number; patch: string | null; applied: boolean } | null;
}

export type Removal =
  | { kind: 'worktree'; run: string; task: string | null; path: string; bytes: number; registered: boolean; force: boolean }
  | { kind: 'branch'; run: string; task: string | null; branch: string }
  | { kind: 'logs'; run: string; task: string | null; path: string; bytes: number }
  /** The run's rows in the store (with --logs, once its folders are gone). */
  | { kind: 'record'; run: string };

export interface RunPlan {
  run: string;
  remove: Removal[];
  skip: Skip[];
}

function ago(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}

/** Why a run may not be touched at all, or null. */
function runRefusal(run: RunInfo, live: LiveSupervisor): { reason: SkipReason; refusal: RefusedError } | null {
  if (!isFinalRunState(run.status)) {
    return {
      reason: 'running',
      refusal: new RefusedError(`run ${run.id} is ${run.status}: a running run is never cleaned`, `stop it with mcp kill ${run.id}, or let it finish (mcp resume finishes a run whose supervisor died)`),
    };
  }
  if (live && live.runs === null) {
    return {
      reason: 'supervisor',
      refusal: new RefusedError(`the supervisor (pid ${live.pid}) holds the state root and did not answer, so what it runs is unknown`, 'clean again once it answers (mcp status shows its runs)'),
    };
  }
  if (live?.runs?.has(run.id)) {
    return { reason: 'held', refusal: new RefusedError(`run ${run.id} is still held by the supervisor (pid ${live.pid})`, 'clean it once the supervisor lets it go') };
  }
  return null;
}

/**
 * The runs to clean. A run named by the user that may not be touched is refused outright
 * (thrown); among all runs such ones are listed as skipped.
 */
export function selectRuns<R extends RunInfo>(runs: readonly R[], options: Pick<CleanOptions, 'runId' | 'olderThan'>, live: LiveSupervisor, now: number): { chosen: R[]; skipped: Skip[] } {
  const chosen: R[] = [];
  const skipped: Skip[] = [];
  for (const run of runs) {
    if (options.runId !== undefined && run.id !== options.runId) continue;
    const refused = runRefusal(run, live);
    if (refused && options.runId !== undefined) throw refused.refusal;
    if (refused) {
      skipped.push({ kind: 'run', run: run.id, ...refused });
      continue;
    }
    const ended = Date.parse(run.endedAt ?? run.createdAt);
    if (options.olderThan && now - ended < options.olderThan.ms) {
      skipped.push({
        kind: 'run',
        run: run.id,
        reason: 'recent',
        refusal: new RefusedError(`run ${run.id} ended ${ago(now - ended)} ago, less than --older-than ${options.olderThan.text}`, 'a shorter --older-than takes it'),
      });
      continue;
    }
    chosen.push(run);
  }
  return { chosen, skipped };
}

/** Whether the run branch stays: the task branches' commits it holds are then not lost. */
export function keepsRunBranch(runBranch: RunBranchFact | null, options: Pick<CleanOptions, 'branches'>): boolean {
  if (!runBranch) return false;
  return runBranch.checkedOut || !(runBranch.merged || options.branches);
}

/** What goes and what stays of one run. */
export function decideRun(facts: RunFacts, options: Pick<CleanOptions, 'force' | 'branches' | 'logs'>): RunPlan {
  const run = facts.run.id;
  const remove: Removal[] = [];
  const skip: Skip[] = [];
  const keptWorktrees = new Set<string>();
  const refuse = (item: Omit<Skip, 'run' | 'refusal' | 'reason'>, reason: SkipReason, message: string, hint: string, flag: string | null): void => {
    skip.push({ ...item, run, reason, refusal: new RefusedError(message, hint, flag) });
  };

  for (const wt of facts.worktrees) {
    const item = { kind: 'worktree' as const, ...(wt.task ? { task: wt.task } : {}), path: wt.path };
    const unknown = wt.kind === 'task' && (!wt.registered || wt.dirty === null);
    if (unknown && !options.force) {
      const why = facts.repoMissing ?? `git does not list it among the worktrees of the run's repository`;
      refuse(item, 'not-a-worktree', `${wt.label} is not a worktree git knows (${why}), so whether it holds work cannot be told`, '--force removes the folder', '--force');
    } else if (wt.dirty === true && !options.force) {
      refuse(item, 'dirty', `${wt.label} has uncommitted changes or untracked files`, '--force removes it with them', '--force');
    } else {
      remove.push({ kind: 'worktree', run, task: wt.task, path: wt.path, bytes: wt.bytes, registered: wt.kind === 'task' && wt.registered && wt.dirty !== null, force: wt.dirty === true });
      continue;
    }
    if (wt.task) keptWorktrees.add(wt.task);
  }

  const keepRun = keepsRunBranch(facts.runBranch, options);
  for (const branch of facts.branches) {
    const item = { kind: 'branch' as const, task: branch.task, branch: branch.name };
    if (keptWorktrees.has(branch.task)) {
      refuse(item, 'worktree-kept', `${branch.name} stays with its worktree, which is kept`, '--force removes both', '--force');
    } else if (branch.checkedOut) {
      refuse(item, 'checked-out', `${branch.name} is checked out in a worktree of yours`, 'switch that worktree to another branch first', null);
    } else if (branch.commitsOnlyHere > 0 && !options.force) {
      const runHolder = facts.private ? [`mcp/run-${run}`] : keepRun && facts.runBranch ? [facts.runBranch.name] : [];
      const holders = [...runHolder, facts.current].join(' nor ');
      refuse(item, 'unmerged', `${branch.name} has ${plural(branch.commitsOnlyHere, 'commit')} that neither ${holders} nor any other branch holds`, '--force deletes it', '--force');
    } else {
      remove.push({ kind: 'branch', run, task: branch.task, branch: branch.name });
    }
  }

  const runBranch = facts.runBranch;
  if (runBranch) {
    const item = { kind: 'branch' as const, branch: runBranch.name };
    if (runBranch.checkedOut) refuse(item, 'checked-out', `${runBranch.name} is checked out in a worktree of yours`, 'switch that worktree to another branch first', null);
    else if (keepRun && facts.run.status !== 'succeeded') {
      // Only a succeeded run's branch is its result (mcp merge refuses the others): a failed
      // or killed run's holds the part of its work that was merged before it ended.
      refuse(item, 'run-branch-unmerged', `${runBranch.name} (what the ${facts.run.status} run merged before it ended) is not merged into ${facts.current}`, `git merge ${runBranch.name} brings that part in; --branches deletes it`, '--branches');
    } else if (keepRun) refuse(item, 'run-branch-unmerged', `${runBranch.name} (the run's result) is not merged into ${facts.current}`, `mcp merge ${run} brings it in; --branches deletes it`, '--branches');
    else remove.push({ kind: 'branch', run, task: null, branch: runBranch.name });
  }

  if (options.logs) {
    const blockers = [...new Set(skip.map((s) => s.refusal.flag).filter((flag): flag is string => flag !== null))];
    if (skip.length > 0) {
      refuse(
        { kind: 'logs' },
        'work-kept',
        `run ${run} keeps its logs and records while some of its work is kept (above)`,
        blockers.length > 0 ? `${blockers.join(' ')} removes the rest` : 'deal with what is kept first',
        blockers[0] ?? null,
      );
    } else if (facts.privateWork && facts.privateWork.commits > 0 && !facts.privateWork.applied && !options.force) {
      const { patch } = facts.privateWork;
      refuse(
        { kind: 'logs' },
        'result-not-applied',
        `run ${run}'s result is not applied to the project: its own repository holds ${plural(facts.privateWork.commits, 'commit')} found nowhere else`,
        patch ? `mcp merge ${run} applies ${patch}; --force deletes it` : '--force deletes it',
        '--force',
      );
    } else {
      for (const folder of facts.folders) remove.push({ kind: 'logs', run, task: folder.task, path: folder.path, bytes: folder.bytes });
      remove.push({ kind: 'record', run });
    }
  }
  return { run, remove, skip };
}
