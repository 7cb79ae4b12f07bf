import { IllegalTransitionError } from '../domain/errors.js';
import type { TaskEvent } from '../domain/events.js';
import { canTransition, type TaskState } from '../domain/task-state.js';
import type { TaskPatch, TaskRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { appendEvent } from '../terminal/event-log.js';

/** Where a task's events go (its events.ndjson). */
export type TaskEventSink = (taskId: string, event: TaskEvent) => void;

export interface TransitionDeps {
  store: TaskStore;
  appendEvent: TaskEventSink;
}

/** For whoever moves tasks outside a run's executor (kill by PID, recovery): events go to each task's events.ndjson. */
export function transitionDepsFor(root: StateRoot, store: TaskStore): TransitionDeps {
  return { store, appendEvent: (id, event) => appendEvent(root.taskFiles(id).events, id, event) };
}

/**
 * The one way a task changes state: the move is checked against the state machine, the
 * row is written (and committed) before anything acts on it, then the `state` event is
 * appended. The scheduler, kill and crash recovery all come through here.
 */
export function transitionTask(deps: TransitionDeps, task: TaskRecord, to: TaskState, patch: TaskPatch = {}): TaskRecord {
  const from = task.status;
  if (!canTransition(from, to)) throw new IllegalTransitionError(`task ${task.id}: ${from} -> ${to} is not a legal transition`);
  deps.store.updateTask(task.id, { ...patch, status: to });
  const next: TaskRecord = { ...task, ...patch, status: to };
  const reason = patch.reason ?? undefined;
  deps.appendEvent(task.id, { type: 'state', from, to, ...(reason ? { reason } : {}) });
  return next;
}

export interface TaskChange {
  runId: string;
  task: TaskRecord;
  from: TaskState;
  to: TaskState;
}

/**
 * One run's tasks in memory, kept equal to the store: every change goes through
 * `transition` or `update`, and listeners hear of each transition after it is stored.
 */
export class RunTasks {
  private readonly tasks = new Map<string, TaskRecord>();
  /** Ids by plan key, oldest first: a key is looked up for every dependency at every step. */
  private readonly byKeyIndex = new Map<string, string[]>();
  private readonly listeners: ((change: TaskChange) => void)[] = [];

  constructor(
    private readonly deps: TransitionDeps,
    readonly runId: string,
    records: readonly TaskRecord[],
  ) {
    this.adopt(records);
  }

  onChange(listener: (change: TaskChange) => void): void {
    this.listeners.push(listener);
  }

  get(id: string): TaskRecord | undefined {
    return this.tasks.get(id);
  }

  all(): TaskRecord[] {
    return [...this.tasks.values()];
  }

  ids(): string[] {
    return [...this.tasks.keys()];
  }

  get size(): number {
    return this.tasks.size;
  }

  /** The tasks of the plan as it stands (not replaced by a replan). */
  current(): TaskRecord[] {
    return this.all().filter((t) => !t.superseded);
  }

  /** The task a plan key means now: a succeeded one is kept across replans, else the newest. */
  byKey(key: string): TaskRecord | undefined {
    let found: TaskRecord | undefined;
    for (const id of this.byKeyIndex.get(key) ?? []) {
      const task = this.tasks.get(id);
      if (task && (!task.superseded || task.status === 'succeeded')) found = task;
    }
    return found;
  }

  dependenciesOf(task: TaskRecord): TaskRecord[] {
    return task.dependsOn.map((k) => this.byKey(k)).filter((d): d is TaskRecord => d !== undefined);
  }

  /** Records written to the store by someone else (a replan, a resolver task). */
  adopt(records: readonly TaskRecord[]): void {
    for (const record of records) {
      if (!this.tasks.has(record.id)) {
        const ids = this.byKeyIndex.get(record.key) ?? [];
        ids.push(record.id);
        this.byKeyIndex.set(record.key, ids);
      }
      this.tasks.set(record.id, record);
    }
  }

  transition(task: TaskRecord, to: TaskState, patch: TaskPatch = {}): TaskRecord {
    const current = this.tasks.get(task.id) ?? task;
    const next = transitionTask(this.deps, current, to, patch);
    this.tasks.set(next.id, next);
    for (const listener of this.listeners) listener({ runId: this.runId, task: next, from: current.status, to });
    return next;
  }

  /** Fields other than the state (pid, workspace, session id...). */
  update(task: TaskRecord, patch: TaskPatch): TaskRecord {
    const current = this.tasks.get(task.id) ?? task;
    this.deps.store.updateTask(task.id, patch);
    const next = { ...current, ...patch };
    this.tasks.set(next.id, next);
    return next;
  }
}
