import { isActiveTaskState } from '../domain/task-state.js';
import type { TaskRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { appendEvent } from '../terminal/event-log.js';
import { sendControl } from './control-client.js';
import { tasksToBlock } from './dag.js';
import { stopRecordedProcesses } from './stop-recorded.js';

export type KillTarget = { kind: 'all' } | { kind: 'run'; runId: string } | { kind: 'task'; task: TaskRecord };

export interface KillResult {
  via: 'supervisor' | 'pid';
  stopped: string[];
  note?: string;
}

/**
 * Stops tasks through the supervisor's socket; when none answers (it crashed, or was
 * killed), stops the recorded process groups directly and records the outcome itself.
 */
export async function killTarget(root: StateRoot, store: TaskStore, target: KillTarget, graceMs: number): Promise<KillResult> {
  const wire = target.kind === 'all' ? 'all' : target.kind === 'run' ? target.runId : target.task.id;
  const reply = await sendControl(root.socketPath, { op: 'kill', target: wire });
  if (reply?.ok) {
    return { via: 'supervisor', stopped: (reply.stopped as string[] | undefined) ?? [], note: reply.note as string | undefined };
  }
  if (reply && !reply.ok && !reply.error.includes('not held by this supervisor')) throw new Error(reply.error);
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
  const now = (): string => new Date().toISOString();
  await stopRecordedProcesses(tasks, graceMs);
  for (const task of tasks) {
    const stoppable = isActiveTaskState(task.status) || task.status === 'pending' || task.status === 'ready' || task.status === 'interrupted';
    if (!stoppable) continue;
    store.updateTask(task.id, { status: 'killed', reason: 'killed by user (no supervisor answered; stopped by PID)', endedAt: now() });
    appendEvent(root.taskFiles(task.id).events, task.id, { type: 'state', from: task.status, to: 'killed', reason: 'killed by PID' });
    stopped.push(task.id);
  }
  blockDependents(store, new Set(tasks.map((t) => t.runId)), now);
  const runIds = target.kind === 'task' ? [] : [...new Set(tasks.map((t) => t.runId))];
  for (const runId of runIds) {
    const run = store.getRun(runId);
    if (run && (run.status === 'running' || run.status === 'planning')) store.updateRun(runId, { status: 'killed', endedAt: now() });
  }
  return { via: 'pid', stopped, note: stopped.length === 0 ? 'nothing running to stop' : undefined };
}

function blockDependents(store: TaskStore, runIds: Set<string>, now: () => string): void {
  for (const runId of runIds) {
    for (const { task, reason } of tasksToBlock(store.tasksOf(runId))) {
      store.updateTask(task.id, { status: 'blocked', reason, endedAt: now() });
    }
  }
}
