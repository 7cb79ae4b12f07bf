import { NoSupervisorError } from '../domain/errors.js';
import { isFinalRunState } from '../domain/task-state.js';
import type { RunRecord } from '../store/records.js';
import type { RunSupervisor } from '../store/views.js';
import { currentLockHolder, thisProcess, type LockHolder } from './supervisor-lock.js';

/**
 * How long a run may stay written but taken by no supervisor before it counts as abandoned:
 * `mcp run --detach` gives the supervisor it starts 10 s to answer, and a run handed to a
 * live supervisor is taken at once. Less would call a slow start dead.
 */
export const UNCLAIMED_GRACE_MS = 15_000;

/**
 * Who runs an unfinished run: `live` when the supervisor that took it still holds the
 * state root's lock, `starting` while a fresh run waits for one, `gone` otherwise (only
 * `mcp resume` will finish it); null for an ended run. A supervisor records its PID and
 * start time on a run before it touches it (run-controller, recovery), so another
 * supervisor alive since, even one given the dead one's PID, does not make its run look held.
 */
export function runSupervisor(run: Pick<RunRecord, 'status' | 'supervisorPid' | 'supervisorStart' | 'createdAt'>, holder: LockHolder | null, now = Date.now()): RunSupervisor {
  if (isFinalRunState(run.status)) return null;
  if (run.supervisorPid === null) return now - Date.parse(run.createdAt) < UNCLAIMED_GRACE_MS ? 'starting' : 'gone';
  return holder !== null && heldBy(run, holder) ? 'live' : 'gone';
}

/**
 * The lock's holder is the process that took the run. A run from a store that did not keep
 * start times has its PID alone to go by.
 */
function heldBy(run: Pick<RunRecord, 'supervisorPid' | 'supervisorStart'>, holder: LockHolder): boolean {
  return holder.pid === run.supervisorPid && (run.supervisorStart === null || holder.start === run.supervisorStart);
}

/**
 * How mcp says that a run's supervisor is gone: nothing moves it on until `mcp resume`.
 * `mcp status` prints it under the run, the dashboard shows it beside it.
 */
export function supervisorGoneLine(runId: string): string {
  return `supervisor: gone, the run will not end by itself; finish it with: mcp resume ${runId}`;
}

/**
 * Why a command waiting for a run to end, or for one of its tasks, stops (exit 4): its
 * supervisor is gone, so nothing would end it. `mcp logs --follow`, `mcp status --until-done`,
 * `mcp attach`, and `mcp run` or `mcp resume` waiting for a run they handed over all say it so.
 * The hint names the run to resume: a task is not resumed alone.
 */
export function supervisorGoneError(runId: string, taskId?: string): NoSupervisorError {
  if (taskId === undefined) return new NoSupervisorError(`run ${runId} will not end: its supervisor is gone`, `finish it with: mcp resume ${runId}`);
  return new NoSupervisorError(`task ${taskId} will not end: the supervisor of run ${runId} is gone`, `finish the run with: mcp resume ${runId}`);
}

/** What a supervisor records on a run it takes: itself as its lock names it. */
export function takenBy(me: LockHolder = thisProcess()): Pick<RunRecord, 'supervisorPid' | 'supervisorStart'> {
  return { supervisorPid: me.pid, supervisorStart: me.start };
}

/** runSupervisor for many runs, reading the lock once and only if a run is unfinished. */
export function supervisorOfRuns(lockPath: string, now = Date.now()): (run: RunRecord) => RunSupervisor {
  let holder: LockHolder | null | undefined;
  return (run) => {
    if (isFinalRunState(run.status)) return null;
    if (holder === undefined) holder = currentLockHolder(lockPath);
    return runSupervisor(run, holder, now);
  };
}
