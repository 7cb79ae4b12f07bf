import { plural } from '../domain/plural.js';
import { canTransition, endedBadly, isWaitingToRun, type TaskState } from '../domain/task-state.js';
import type { TaskRecord } from '../store/records.js';
import { tasksToBlock } from './dag.js';
import type { RunTasks } from './transitions.js';

/** How one attempt ended, as the runner reports it. */
export interface TaskOutcome {
  status: Extract<TaskState, 'succeeded' | 'failed' | 'killed' | 'timed_out'>;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  /** False when another attempt cannot help (no codex binary, a refused or missing command, a full disk). */
  retryable?: boolean;
  /** Codex's last error in the attempt, quoted to the next one and to a replan. */
  lastError?: string | null;
  /** Set by `conclude`: whether the task changed any file (false: there is nothing to merge). */
  changed?: boolean;
}

/** What the next attempt continues from. */
export type FollowUp =
  | { kind: 'retry'; attempt: number; maxAttempts: number; outcome: TaskOutcome }
  /** The supervisor died while the task ran: continue where it stopped. */
  | { kind: 'interrupted' };

/**
 * Runs attempts of tasks; the scheduler decides when. A slot is held only while `run`'s
 * process lives: the workspace is made before (`prepare`), the work recorded after
 * (`conclude`), both outside the slot.
 */
export interface TaskRunner {
  /** Makes what the attempt needs (its workspace, recorded on the task). Idempotent: a retry reuses it. */
  prepare(task: TaskRecord): Promise<void>;
  /** One attempt: spawn, wait for the process to end, say how it ended. */
  run(task: TaskRecord, followUp: FollowUp | null): Promise<TaskOutcome>;
  /** After a successful attempt: record its work (commit). May turn success into failure. */
  conclude(task: TaskRecord, outcome: TaskOutcome): Promise<TaskOutcome>;
  /** Stops the live attempt of a task, if any. */
  stop(taskId: string, reason: 'killed' | 'timed_out'): void;
}

export type ReplanResult =
  /** The run goes on with a new plan version (the replanner stored and superseded tasks). */
  | { kind: 'replanned'; added: TaskRecord[] }
  /** Nothing better to try: the run fails with this reason. */
  | { kind: 'stalled'; reason: string }
  /** No replan (none left, or the planner failed): the failure stands, the rest goes on. */
  | { kind: 'none' };

export interface SchedulerOptions {
  parallel: number;
  /** Attempts per task, the first included. */
  maxAttempts: number;
  /** First retry delay, doubled at each further attempt, capped at maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
}

export interface SchedulerDeps {
  tasks: RunTasks;
  runner: TaskRunner;
  /** Asked once a task has used its attempts; absent: failures simply stand. */
  replan?: (failed: TaskRecord, outcome: TaskOutcome) => Promise<ReplanResult>;
  /** A task succeeded and its work is recorded (the result merger listens). */
  onSucceeded?: (task: TaskRecord, outcome: TaskOutcome) => void;
  /** Waits `ms`, or less when `cancel` is called (a kill during backoff). */
  sleep?: (ms: number, cancel: AbortSignal) => Promise<void>;
  now?: () => string;
}

function defaultSleep(ms: number, cancel: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    cancel.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Runs one run's tasks as a DAG. A task becomes `ready` when all its dependencies
 * succeeded; ready tasks have their workspaces prepared ahead (at most `parallel` of
 * them beyond those running); at most `parallel` processes run at once. A failed attempt
 * is retried with backoff (outside any slot); a task out of attempts asks for a replan;
 * the dependents of a final failure are blocked while independent tasks go on.
 * Everything it decides goes through `RunTasks.transition`, so the store knows it first.
 */
export class Scheduler {
  private readonly running = new Set<string>();
  private readonly preparing = new Set<string>();
  /** Ready tasks whose workspace is made: they start as soon as a slot frees. */
  private readonly prepared = new Set<string>();
  /** Outside a slot but not finished: committing its work, or waiting out a backoff. */
  private readonly settling = new Set<string>();
  private readonly followUps = new Map<string, FollowUp>();
  private readonly backoffs = new Map<string, AbortController>();
  private readonly killed = new Set<string>();
  /** Tasks a failure of which never triggers a replan (merge-conflict resolvers). */
  private readonly notReplannable = new Set<string>();
  private readonly held = new Set<Promise<unknown>>();
  private readonly waiters = new Map<string, ((state: TaskState) => void)[]>();
  private replanning: Promise<void> | null = null;
  private killRequested = false;
  private stalledReason: string | null = null;
  private wakeUp: (() => void) | null = null;
  private dirty = false;
  private readonly sleep: (ms: number, cancel: AbortSignal) => Promise<void>;
  private readonly now: () => string;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.sleep = deps.sleep ?? defaultSleep;
    this.now = deps.now ?? (() => new Date().toISOString());
    deps.tasks.onChange(({ task }) => {
      const waiting = this.waiters.get(task.id);
      if (!waiting || !isSettled(task.status)) return;
      this.waiters.delete(task.id);
      for (const resolve of waiting) resolve(task.status);
    });
  }

  /** The reason the run stalled (a replan proposed nothing new), or null. */
  get stalled(): string | null {
    return this.stalledReason;
  }

  get killedAll(): boolean {
    return this.killRequested;
  }

  /** Ids of tasks with a live attempt. */
  runningIds(): string[] {
    return [...this.running];
  }

  /** Runs until no task can move any more. */
  async run(): Promise<void> {
    for (;;) {
      this.dirty = false;
      if (this.replanning) await this.replanning;
      this.blockDependentsOfFailures();
      if (this.killRequested || this.stalledReason) this.stopWaiting();
      this.promote();
      this.prepareAhead();
      this.fillSlots();
      // What just took a slot leaves room to prepare the next ones.
      this.prepareAhead();
      // Every way out of `prepared` but a slot goes through unprepare, and idle() means no
      // task is ready: nothing prepared is left holding a process.
      if (this.idle()) return;
      if (!this.dirty) await new Promise<void>((resolve) => (this.wakeUp = resolve));
      this.wakeUp = null;
    }
  }

  /** Adds a task written to the store by someone else (a merge-conflict resolver). */
  add(task: TaskRecord, options: { replannable: boolean }): void {
    this.deps.tasks.adopt([task]);
    if (!options.replannable) this.notReplannable.add(task.id);
    this.wake();
  }

  /** Resolves with the task's state once it succeeded or ended for good. */
  whenSettled(taskId: string): Promise<TaskState> {
    const task = this.deps.tasks.get(taskId);
    if (task && isSettled(task.status)) return Promise.resolve(task.status);
    return new Promise((resolve) => {
      const list = this.waiters.get(taskId) ?? [];
      list.push(resolve);
      this.waiters.set(taskId, list);
    });
  }

  /** Keeps the run open until `work` settles (merging a result may still add tasks). */
  hold(work: Promise<unknown>): void {
    this.held.add(work);
    const done = (): void => {
      this.held.delete(work);
      this.wake();
    };
    work.then(done, done);
  }

  /** Nothing new starts any more (the result cannot be made); what runs finishes. */
  stall(reason: string): void {
    this.stalledReason ??= reason;
    // A backoff is the wait before a new attempt, and nothing new starts any more.
    for (const cancel of this.backoffs.values()) cancel.abort();
    this.wake();
  }

  /** Stops one task: a live attempt is signalled, a waiting one never starts. */
  kill(taskId: string): boolean {
    const task = this.deps.tasks.get(taskId);
    if (!task || isSettled(task.status)) return false;
    this.killed.add(taskId);
    this.deps.runner.stop(taskId, 'killed');
    this.backoffs.get(taskId)?.abort();
    if (isWaitingToRun(task.status) && !this.running.has(taskId) && !this.preparing.has(taskId)) {
      this.deps.tasks.transition(task, 'killed', { reason: 'killed by user before it started', endedAt: this.now() });
    }
    this.wake();
    return true;
  }

  /** Stops everything of the run; returns the ids of the tasks that were stopped. */
  killAll(): string[] {
    this.killRequested = true;
    const stopped: string[] = [];
    for (const task of this.deps.tasks.current()) {
      if (isSettled(task.status)) continue;
      stopped.push(task.id);
      this.deps.runner.stop(task.id, 'killed');
      this.backoffs.get(task.id)?.abort();
    }
    this.wake();
    return stopped;
  }

  private wake(): void {
    this.dirty = true;
    this.wakeUp?.();
  }

  private idle(): boolean {
    if (this.running.size || this.preparing.size || this.settling.size || this.held.size || this.replanning) return false;
    // Whatever still waits to run cannot: nothing is left that would free it.
    return !this.deps.tasks.current().some((t) => t.status === 'ready' || (isWaitingToRun(t.status) && this.dependenciesSucceeded(t)));
  }

  private dependenciesSucceeded(task: TaskRecord): boolean {
    return task.dependsOn.every((key) => this.deps.tasks.byKey(key)?.status === 'succeeded');
  }

  private blockDependentsOfFailures(): void {
    for (const { task, reason } of tasksToBlock(this.deps.tasks.current())) {
      this.deps.tasks.transition(task, 'blocked', { reason, endedAt: this.now() });
    }
  }

  /** After a kill of the run or a stall, nothing new starts. */
  private stopWaiting(): void {
    for (const task of this.deps.tasks.current()) {
      if (!isWaitingToRun(task.status) || this.running.has(task.id) || this.preparing.has(task.id)) continue;
      // One that has run already is not "blocked" (never ran): it failed, and is not tried again.
      if (this.stalledReason && task.attempts > 0 && canTransition(task.status, 'failed')) this.failNotRetried(task, this.stalledReason);
      else if (this.stalledReason) this.deps.tasks.transition(task, 'blocked', { reason: `not started: ${this.stalledReason}`, endedAt: this.now() });
      else this.deps.tasks.transition(task, 'killed', { reason: 'run killed before the task started', endedAt: this.now() });
      this.unprepare(task.id);
    }
  }

  /** A task that has run is not tried again once the run stalled: it failed, it is not "blocked". */
  private failNotRetried(task: TaskRecord, stalledReason: string): void {
    this.followUps.delete(task.id);
    this.deps.tasks.transition(task, 'failed', { reason: `not retried after ${plural(task.attempts, 'attempt')}: ${stalledReason}`, endedAt: this.now() });
  }

  /** A prepared task that will not take a slot lets go of what its preparation holds (a started shell). */
  private unprepare(taskId: string): void {
    if (!this.prepared.delete(taskId)) return;
    this.deps.runner.stop(taskId, 'killed');
  }

  /** Tasks whose dependencies all succeeded become ready (a resumed one remembers it was cut short). */
  private promote(): void {
    for (const task of this.deps.tasks.current()) {
      if ((task.status !== 'pending' && task.status !== 'interrupted') || !this.dependenciesSucceeded(task)) continue;
      if (task.status === 'interrupted' && !this.followUps.has(task.id)) this.followUps.set(task.id, { kind: 'interrupted' });
      this.deps.tasks.transition(task, 'ready', { reason: null });
    }
  }

  /** In plan order: the order a person reads the plan in, and the order ties are broken. */
  private readyTasks(): TaskRecord[] {
    return this.deps.tasks
      .current()
      .filter((t) => t.status === 'ready' && !this.running.has(t.id))
      .sort((a, b) => a.position - b.position);
  }

  /** Workspaces are made before a slot opens, `parallel` tasks ahead of the running ones. */
  private prepareAhead(): void {
    // A prepared task that was replaced by a replan or killed no longer takes a place.
    for (const id of this.prepared) if (this.deps.tasks.get(id)?.status !== 'ready') this.unprepare(id);
    for (const task of this.readyTasks()) {
      if (this.preparing.size + this.prepared.size >= this.options.parallel) return;
      if (this.preparing.has(task.id) || this.prepared.has(task.id)) continue;
      this.preparing.add(task.id);
      void this.deps.runner.prepare(task).then(
        () => {
          this.preparing.delete(task.id);
          if (this.killed.has(task.id) || this.killRequested) {
            this.deps.runner.stop(task.id, 'killed');
            this.endBeforeStart(task.id);
          } else this.prepared.add(task.id);
          this.wake();
        },
        (error: unknown) => {
          this.preparing.delete(task.id);
          void this.failPreparation(task.id, error);
        },
      );
    }
  }

  private endBeforeStart(taskId: string): void {
    const task = this.deps.tasks.get(taskId);
    if (!task || !isWaitingToRun(task.status)) return;
    this.deps.tasks.transition(task, 'killed', { reason: 'killed by user before it started', endedAt: this.now() });
  }

  /** A workspace that could not be made is a failed attempt, retried like any other. */
  private async failPreparation(taskId: string, error: unknown): Promise<void> {
    const task = this.deps.tasks.get(taskId);
    if (!task) return;
    const running = this.deps.tasks.transition(task, 'running', { attempts: task.attempts + 1, startedAt: task.startedAt ?? this.now(), endedAt: null, reason: null });
    const message = error instanceof Error ? error.message : String(error);
    const retryable = (error as { retryable?: unknown } | null)?.retryable !== false;
    await this.settle(running, { status: 'failed', exitCode: null, signal: null, reason: message, retryable });
  }

  private fillSlots(): void {
    for (const task of this.readyTasks()) {
      if (this.running.size >= this.options.parallel) return;
      if (!this.prepared.has(task.id)) continue;
      this.prepared.delete(task.id);
      void this.attempt(task);
    }
  }

  /** One attempt in a slot; the slot is freed the moment the process has ended. */
  private async attempt(ready: TaskRecord): Promise<void> {
    this.running.add(ready.id);
    let outcome: TaskOutcome;
    let task = ready;
    try {
      task = this.deps.tasks.transition(ready, 'running', {
        attempts: ready.attempts + 1,
        startedAt: ready.startedAt ?? this.now(),
        endedAt: null,
        exitCode: null,
        signal: null,
        reason: null,
      });
      const followUp = this.followUps.get(task.id) ?? null;
      this.followUps.delete(task.id);
      outcome = await this.deps.runner.run(task, followUp);
    } catch (error) {
      outcome = { status: 'failed', exitCode: null, signal: null, reason: `internal error: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      this.running.delete(ready.id);
      this.wake();
    }
    await this.settle(this.deps.tasks.get(task.id) ?? task, outcome);
  }

  /** Outside the slot: record the work, retry, or end the task for good. */
  private async settle(task: TaskRecord, outcome: TaskOutcome): Promise<void> {
    this.settling.add(task.id);
    // The freed slot first: recording the work starts git processes, and the next task's
    // start must not wait behind them.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      if (this.killed.has(task.id) || (this.killRequested && outcome.status !== 'succeeded')) {
        outcome = { ...outcome, status: 'killed', reason: outcome.status === 'killed' ? outcome.reason : 'killed by user' };
      }
      if (outcome.status === 'succeeded') {
        outcome = await this.deps.runner.conclude(task, outcome);
      }
      task = this.deps.tasks.get(task.id) ?? task;
      const retryable = (outcome.status === 'failed' || outcome.status === 'timed_out') && outcome.retryable !== false;
      if (retryable && task.attempts < this.options.maxAttempts && !this.killRequested && !this.killed.has(task.id)) {
        await this.backoff(task, outcome);
        return;
      }
      const ended = this.deps.tasks.transition(task, outcome.status, {
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        reason: outcome.reason,
        endedAt: this.now(),
      });
      if (ended.status === 'succeeded') this.deps.onSucceeded?.(ended, outcome);
      // Once the run has stalled nothing new starts, so a new plan could not run: none is asked for.
      else if (retryable && !this.notReplannable.has(task.id) && !this.replanning && !this.killRequested && !this.stalledReason && this.deps.replan) {
        this.replanning = this.replan(ended, outcome);
      }
    } finally {
      this.settling.delete(task.id);
      this.wake();
    }
  }

  private async backoff(task: TaskRecord, outcome: TaskOutcome): Promise<void> {
    const delay = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (task.attempts - 1));
    const retrying = this.deps.tasks.transition(task, 'retrying', {
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      reason: `${outcome.reason ?? outcome.status}; retry in ${delay} ms`,
    });
    this.followUps.set(task.id, { kind: 'retry', attempt: task.attempts + 1, maxAttempts: this.options.maxAttempts, outcome });
    const cancel = new AbortController();
    this.backoffs.set(task.id, cancel);
    if (!this.stalledReason) await this.sleep(delay, cancel.signal);
    this.backoffs.delete(task.id);
    if (this.killed.has(task.id) || this.killRequested) {
      this.followUps.delete(task.id);
      this.deps.tasks.transition(retrying, 'killed', { reason: 'killed by user between attempts', endedAt: this.now() });
      return;
    }
    if (this.stalledReason) {
      this.failNotRetried(retrying, this.stalledReason);
      return;
    }
    // Its workspace is kept: the next attempt starts as soon as a slot frees.
    this.deps.tasks.transition(retrying, 'ready', {});
    this.prepared.add(task.id);
  }

  private async replan(failed: TaskRecord, outcome: TaskOutcome): Promise<void> {
    try {
      const result = await this.deps.replan!(failed, outcome);
      if (result.kind === 'stalled') this.stalledReason = result.reason;
    } finally {
      this.replanning = null;
      this.wake();
    }
  }
}

/** Succeeded, or ended for good (dependents are blocked, nothing will run it again). */
function isSettled(state: TaskState): boolean {
  return state === 'succeeded' || endedBadly(state);
}
