import { NoSupervisorError } from '../domain/errors.js';
import { endedRunState, hasLiveProcess, isFinalRunState, isFinalTaskState, type RunState } from '../domain/task-state.js';
import type { TaskRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { sendControl } from './control-client.js';
import { tasksToBlock } from './dag.js';
import { stopRecordedProcesses } from './stop-recorded.js';
import { transitionDepsFor, transitionTask } from './transitions.js';
import { stoppedBecause, withdrawOpenApprovals } from './withdraw-approvals.js';

export type KillTarget = { kind: 'all' } | { kind: 'run'; runId: string } | { kind: 'task'; task: TaskRecord };

export interface KillResult {
  via: 'supervisor' | 'pid';
  /** Tasks whose process was signalled. */
  stopped: string[];
  /** Tasks ended with no process to stop: not started yet, or between attempts. */
  cancelled: string[];
  note?: string;
}

/** The line `mcp kill` and the dashboard show for a kill. */
export function describeKill(result: KillResult): string {
  if (result.stopped.length === 0 && result.cancelled.length === 0) return result.note ?? 'nothing to stop';
  const parts = [
    ...(result.stopped.length > 0 ? [`stopped ${result.stopped.join(', ')} (via ${result.via === 'supervisor' ? 'the supervisor' : 'recorded PID'})`] : []),
    ...(result.cancelled.length > 0 ? [`cancelled ${result.cancelled.join(', ')} (not running: never started, or between attempts)`] : []),
  ];
  return parts.join('; ');
}

/**
 * Stops tasks through the supervisor's socket; when none answers (it crashed, or was
 * killed), stops the recorded process groups directly and records the outcome itself.
 */
export async function killTarget(root: StateRoot, store: TaskStore, target: KillTarget, graceMs: number): Promise<KillResult> {
  const wire = target.kind === 'all' ? 'all' : target.kind === 'run' ? target.runId : target.task.id;
  const reply = await sendControl(root.socketPath, { op: 'kill', target: wire });
  if (reply?.ok) {
    return { via: 'supervisor', stopped: (reply.stopped as string[] | undefined) ?? [], cancelled: (reply.cancelled as string[] | undefined) ?? [], note: reply.note as string | undefined };
  }
  if (reply && !reply.ok && reply.code !== 'not_held') throw new NoSupervisorError(reply.error, 'the supervisor refused; `mcp status` shows the task');
  return killByPid(root, store, target, graceMs);
}

function tasksOfTarget(store: TaskStore, target: KillTarget): TaskRecord[] {
  if (target.kind === 'task') return [store.getTask(target.task.id) ?? target.task];
  if (target.kind === 'run') return store.tasksOf(target.runId);
  return store.allTasks();
}

async function killByPid(root: StateRoot, store: TaskStore, target: KillTarget, graceMs: number): Promise<KillResult> {
  const tasks = tasksOfTarget(store, target);
  const stopped: string[] = [];
  const cancelled: string[] = [];
  const now = (): string => new Date().toISOString();
  const deps = transitionDepsFor(root, store);
  await stopRecordedProcesses(tasks, graceMs);
  for (const task of tasks) {
    if (isFinalTaskState(task.status)) continue;
    withdrawOpenApprovals(root, deps.appendEvent, task.id, stoppedBecause('killed'));
    transitionTask(deps, task, 'killed', { reason: 'killed by user (no supervisor answered; stopped by PID)', endedAt: now() });
    (hasLiveProcess(task.status) ? stopped : cancelled).push(task.id);
  }
  for (const runId of new Set(tasks.map((t) => t.runId))) {
    // Dependents first: how the run ends depends on them.
    for (const { task, reason } of tasksToBlock(store.tasksOf(runId))) transitionTask(deps, task, 'blocked', { reason, endedAt: now() });
    const run = store.getRun(runId);
    const ended = target.kind === 'task' ? endedWithoutSupervisor(store, runId) : 'killed';
    if (run && !isFinalRunState(run.status) && ended) store.updateRun(runId, { status: ended, endedAt: now() });
  }
  return { via: 'pid', stopped, cancelled, note: stopped.length + cancelled.length === 0 ? 'nothing running to stop' : undefined };
}

/**
 * How a run ends now that a kill by PID left none of its tasks to run, as its supervisor
 * would end it; null while a task may still run, or when one succeeded: a run with a result
 * is left to `mcp resume` (status shows it needs one), since its supervisor records the
 * merged result as the run ends, which a kill by PID cannot do.
 */
function endedWithoutSupervisor(store: TaskStore, runId: string): RunState | null {
  const current = store.tasksOf(runId).filter((t) => !t.superseded);
  if (current.length === 0 || current.some((t) => !isFinalTaskState(t.status) || t.status === 'succeeded')) return null;
  return endedRunState(current);
}
