import { isFinalRunState, isInFlight } from '../domain/task-state.js';
import type { RunRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { takenBy } from './run-supervisor.js';
import { stopRecordedProcesses } from './stop-recorded.js';
import { transitionDepsFor, transitionTask } from './transitions.js';
import { SUPERVISOR_STOPPED, withdrawOpenApprovals } from './withdraw-approvals.js';

export interface Recovery {
  runId: string;
  interrupted: string[];
  /** Processes of the dead supervisor that were still alive and had to be stopped. */
  orphansStopped: number[];
}

/** Runs left unfinished by a supervisor that is gone. */
export function unfinishedRuns(store: TaskStore): RunRecord[] {
  return store.listRuns().filter((run) => !isFinalRunState(run.status));
}

/**
 * Prepares a run whose supervisor died for `mcp resume`: its orphaned task processes
 * (recorded PID and start time still match) are stopped, and tasks that were running
 * are marked `interrupted` so the executor resumes them. Finished tasks are untouched.
 * A question the dead supervisor held open is withdrawn in the record first: no desk is
 * left to answer it, and a resumed attempt asks anew.
 * Call it holding the supervisor lock.
 */
export async function recoverRun(root: StateRoot, store: TaskStore, run: RunRecord, graceMs: number): Promise<Recovery> {
  // Ours from now on (the caller holds the lock): stopping orphans can take the grace period,
  // and meanwhile `mcp status` must not call the run's supervisor gone.
  store.updateRun(run.id, takenBy());
  const tasks = store.tasksOf(run.id);
  const orphansStopped = await stopRecordedProcesses(tasks, graceMs);
  const interrupted: string[] = [];
  const deps = transitionDepsFor(root, store);
  for (const task of tasks) {
    // An `interrupted` task is one an earlier recovery (that died in turn) left open questions of.
    if (isInFlight(task.status) || task.status === 'interrupted') withdrawOpenApprovals(root, deps.appendEvent, task.id, SUPERVISOR_STOPPED);
    if (!isInFlight(task.status)) continue;
    transitionTask(deps, task, 'interrupted', { reason: 'the supervisor stopped while the task ran; resumed', pid: null, pidStart: null });
    interrupted.push(task.id);
  }
  return { runId: run.id, interrupted, orphansStopped };
}
