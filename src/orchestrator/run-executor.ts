import { mkdirSync } from 'node:fs';
import type { CodexBinary } from '../agents/codex-binary.js';
import { type RunState, type TaskState } from '../domain/task-state.js';
import type { RunRecord, TaskPatch, TaskRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { EventLog } from '../terminal/event-log.js';
import { gitProjectInfo } from '../workspace/git.js';
import { tasksToBlock } from './dag.js';
import { TaskAttempt, taskFiles } from './task-runner.js';

export interface ExecutorDeps {
  root: StateRoot;
  store: TaskStore;
  codex: CodexBinary;
  allowList: readonly string[];
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
  defaultTimeoutMs: number | undefined;
}

export interface TaskChange {
  runId: string;
  task: TaskRecord;
  from: TaskState;
  to: TaskState;
}

/**
 * Runs one run's tasks as a DAG: a task starts when all its dependencies succeeded, at
 * most `parallel` at once; a failed dependency blocks its dependents; independent
 * branches go on. Every state change is committed to the store before it is acted on.
 */
export class RunExecutor {
  private readonly live = new Map<string, TaskAttempt>();
  private tasks = new Map<string, TaskRecord>();
  private run: RunRecord;
  private killRequested = false;
  private wake: (() => void) | null = null;
  private readonly listeners: ((change: TaskChange) => void)[] = [];

  constructor(
    private readonly deps: ExecutorDeps,
    runId: string,
  ) {
    const run = deps.store.getRun(runId);
    if (!run) throw new Error(`run ${runId} vanished from the store`);
    this.run = run;
  }

  get runId(): string {
    return this.run.id;
  }

  onTaskChange(listener: (change: TaskChange) => void): void {
    this.listeners.push(listener);
  }

  taskIds(): string[] {
    return [...this.tasks.keys()];
  }

  private transition(task: TaskRecord, to: TaskState, patch: TaskPatch = {}): TaskRecord {
    const from = task.status;
    this.deps.store.updateTask(task.id, { ...patch, status: to });
    const next = { ...task, ...patch, status: to };
    this.tasks.set(task.id, next);
    const files = taskFiles(this.deps.root, task.id);
    mkdirSync(files.dir, { recursive: true });
    const events = new EventLog(files.events, task.id);
    try {
      events.append({ type: 'state', from, to, ...(patch.reason ? { reason: patch.reason } : {}) });
    } finally {
      events.close();
    }
    for (const listener of this.listeners) listener({ runId: this.run.id, task: next, from, to });
    return next;
  }

  private update(task: TaskRecord, patch: TaskPatch): TaskRecord {
    this.deps.store.updateTask(task.id, patch);
    const next = { ...(this.tasks.get(task.id) ?? task), ...patch };
    this.tasks.set(task.id, next);
    return next;
  }

  async execute(): Promise<RunState> {
    const store = this.deps.store;
    const startedAt = new Date().toISOString();
    store.updateRun(this.run.id, { status: 'running', startedAt: this.run.startedAt ?? startedAt, supervisorPid: process.pid });
    this.tasks = new Map(store.tasksOf(this.run.id).map((t) => [t.id, t]));
    const info = await gitProjectInfo(this.run.project);
    const git = info ? { top: info.top, baseCommit: info.head } : null;
    const ctx = {
      root: this.deps.root,
      run: this.run,
      git,
      codex: this.deps.codex,
      allowList: this.deps.allowList,
      env: this.deps.env,
      killGraceMs: this.deps.killGraceMs,
      defaultTimeoutMs: this.deps.defaultTimeoutMs,
      transition: (t: TaskRecord, s: TaskState, p?: TaskPatch) => this.transition(t, s, p),
      update: (t: TaskRecord, p: TaskPatch) => this.update(t, p),
      dependencies: (t: TaskRecord) => t.dependsOn.map((k) => this.byKey(k)).filter((d): d is TaskRecord => d !== undefined),
    };

    const running = new Set<Promise<void>>();
    for (;;) {
      this.blockDependentsOfFailures();
      if (this.killRequested) this.killPending();
      const ready = [...this.tasks.values()].filter((t) => (t.status === 'pending' || t.status === 'ready') && this.dependenciesSucceeded(t));
      for (const task of ready) {
        if (running.size >= this.run.parallel) break;
        const started = this.transition(task, 'running', {
          attempts: task.attempts + 1,
          startedAt: new Date().toISOString(),
          endedAt: null,
          exitCode: null,
          signal: null,
          reason: null,
        });
        const attempt = new TaskAttempt(started, ctx);
        this.live.set(task.id, attempt);
        const done: Promise<void> = attempt.run().then((outcome) => {
          this.live.delete(task.id);
          running.delete(done);
          const current = this.tasks.get(task.id) ?? started;
          this.transition(current, outcome.status, {
            exitCode: outcome.exitCode,
            signal: outcome.signal,
            reason: outcome.reason,
            endedAt: new Date().toISOString(),
          });
          this.wake?.();
        });
        running.add(done);
      }
      if (running.size === 0) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }

    const final = this.finalState();
    store.updateRun(this.run.id, { status: final, endedAt: new Date().toISOString() });
    return final;
  }

  private byKey(key: string): TaskRecord | undefined {
    for (const task of this.tasks.values()) if (task.key === key) return task;
    return undefined;
  }

  private dependenciesSucceeded(task: TaskRecord): boolean {
    return task.dependsOn.every((k) => this.byKey(k)?.status === 'succeeded');
  }

  private blockDependentsOfFailures(): void {
    for (const { task, reason } of tasksToBlock([...this.tasks.values()])) {
      this.transition(task, 'blocked', { reason, endedAt: new Date().toISOString() });
    }
  }

  private killPending(): void {
    for (const task of this.tasks.values()) {
      if (task.status === 'pending' || task.status === 'ready') {
        this.transition(task, 'killed', { reason: 'run killed before the task started', endedAt: new Date().toISOString() });
      }
    }
  }

  private finalState(): RunState {
    const tasks = [...this.tasks.values()];
    if (tasks.every((t) => t.status === 'succeeded')) return 'succeeded';
    if (this.killRequested) return 'killed';
    return 'failed';
  }

  /** Stops one task: a live one gets SIGTERM then SIGKILL; a pending one never starts. */
  killTask(taskId: string): boolean {
    const task = this.tasks.get(taskId);
    if (!task) return false;
    const attempt = this.live.get(taskId);
    if (attempt) {
      attempt.stop('killed');
      return true;
    }
    if (task.status === 'pending' || task.status === 'ready') {
      this.transition(task, 'killed', { reason: 'killed by user before it started', endedAt: new Date().toISOString() });
      this.wake?.();
      return true;
    }
    return false;
  }

  killAll(): string[] {
    this.killRequested = true;
    const stopped: string[] = [];
    for (const [id, attempt] of this.live) {
      attempt.stop('killed');
      stopped.push(id);
    }
    for (const task of this.tasks.values()) if (task.status === 'pending' || task.status === 'ready') stopped.push(task.id);
    this.wake?.();
    return stopped;
  }
}
