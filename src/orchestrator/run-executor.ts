import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CodexBinary } from '../agents/codex-binary.js';
import { planningPrompt, replanPrompt, type Ledger, type LedgerTask } from '../agents/planner-prompt.js';
import { composeRetryPrompt, RETRY_OUTPUT_TAIL_CHARS } from '../agents/task-prompt.js';
import { errorMessage, PlannerError, PlanningStopped } from '../domain/errors.js';
import { type RunState, type TaskState } from '../domain/task-state.js';
import type { RunRecord, TaskPatch, TaskRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { appendEvent, type EventFields } from '../terminal/event-log.js';
import { gitProjectInfo } from '../workspace/git.js';
import { patchStat, writeDiff } from '../workspace/patches.js';
import { createRunRepository } from '../workspace/run-repository.js';
import { recordTaskStart, taskStart, type RunRepo } from '../workspace/workspace.js';
import { diffStat, fastForward, markersRemain, mergeBranch, prepareConflictWorkspace, prepareResultWorktree, type Conflict } from '../workspace/merge.js';
import { planTasks } from './create-run.js';
import { tasksToBlock } from './dag.js';
import { topologicalOrder, type Plan } from './plan.js';
import { askPlanner, PLANNER_TIMEOUT_MS, type PlannerDeps } from './planner.js';
import { readLastMessage, TaskAttempt, type TaskOutcome, type TaskRunContext } from './task-runner.js';
import type { PtyProcess } from '../terminal/pty-process.js';
import type { TerminalManager } from '../terminal/terminal-manager.js';

export interface ExecutorDeps {
  root: StateRoot;
  store: TaskStore;
  codex: CodexBinary;
  /** Owns every PTY of the supervisor; enforces the spawn policy. */
  terminals: TerminalManager;
  allowList: readonly string[];
  sensitive: readonly RegExp[];
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
}

export interface TaskChange {
  runId: string;
  task: TaskRecord;
  from: TaskState;
  to: TaskState;
}

export interface RunNotice {
  runId: string;
  type: string;
  message: string;
}

/** Attempts per task (the first included) unless the run says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_MAX_REPLANS = 2;
/** First retry delay; doubled each time, so a flaky model gets room without stalling a run. */
export const DEFAULT_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;

type Git = RunRepo | null;

/**
 * Runs one run's tasks as a DAG: a task starts when all its dependencies succeeded, at
 * most `parallel` at once. A failed attempt is retried (resuming its Codex session) with
 * backoff; a task out of attempts triggers a replan of the remaining work; dependents of
 * a final failure are blocked while independent branches go on. At the end, the task
 * branches are merged into `mcp/run-<id>`, conflicts resolved by Codex tasks of their own.
 * Every state change is committed to the store before it is acted on.
 */
export class RunExecutor {
  private readonly live = new Map<string, TaskAttempt>();
  private readonly killed = new Set<string>();
  /** Merge-conflict resolver tasks: retried, but never replanned. */
  private readonly resolvers = new Set<string>();
  private tasks = new Map<string, TaskRecord>();
  private run: RunRecord;
  private killRequested = false;
  private stalled: string | null = null;
  private replanning: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly listeners: ((change: TaskChange) => void)[] = [];
  private readonly noticeListeners: ((notice: RunNotice) => void)[] = [];
  private git: Git = null;
  private ctx!: TaskRunContext;

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

  onNotice(listener: (notice: RunNotice) => void): void {
    this.noticeListeners.push(listener);
  }

  taskIds(): string[] {
    return [...this.tasks.keys()];
  }

  /** A full task id or a plan key of this run (the current version) -> the task id. */
  resolveKey(ref: string): string | undefined {
    if (this.tasks.has(ref)) return ref;
    return this.byKey(ref)?.id;
  }

  /** Answers the pending approval of a task's running attempt. */
  answerApproval(taskId: string, id: number | undefined, approve: boolean, by: string): ReturnType<TaskAttempt['answerApproval']> {
    const attempt = this.live.get(taskId);
    if (!attempt) return { ok: false, error: `task ${taskId} is not running` };
    return attempt.answerApproval(id, approve, by);
  }

  /** The PTY of a task's running attempt, for `mcp attach`. */
  livePty(taskId: string): PtyProcess | null {
    return this.live.get(taskId)?.pty ?? null;
  }

  private get maxAttempts(): number {
    return this.run.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  /** The run's own event log (replans, merges), beside its tasks' logs. */
  private runEvent(fields: EventFields & { message?: string }): void {
    appendEvent(path.join(this.deps.root.runDir(this.run.id), 'events.ndjson'), this.run.id, fields);
    if (fields.message) for (const listener of this.noticeListeners) listener({ runId: this.run.id, type: fields.type, message: fields.message });
  }

  private taskEvent(taskId: string, fields: EventFields): void {
    appendEvent(this.deps.root.taskFiles(taskId).events, taskId, fields);
  }

  private transition(task: TaskRecord, to: TaskState, patch: TaskPatch = {}): TaskRecord {
    const from = task.status;
    this.deps.store.updateTask(task.id, { ...patch, status: to });
    const next = { ...(this.tasks.get(task.id) ?? task), ...patch, status: to };
    this.tasks.set(task.id, next);
    this.taskEvent(task.id, { type: 'state', from, to, ...(patch.reason ? { reason: patch.reason } : {}) });
    for (const listener of this.listeners) listener({ runId: this.run.id, task: next, from, to });
    return next;
  }

  private update(task: TaskRecord, patch: TaskPatch): TaskRecord {
    this.deps.store.updateTask(task.id, patch);
    const next = { ...(this.tasks.get(task.id) ?? task), ...patch };
    this.tasks.set(task.id, next);
    return next;
  }

  /** Current (not superseded) tasks. */
  private current(): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => !t.superseded);
  }

  private byKey(key: string): TaskRecord | undefined {
    let found: TaskRecord | undefined;
    for (const task of this.tasks.values()) {
      if (task.key !== key) continue;
      // A succeeded task is kept across replans; otherwise the newest version counts.
      if (!task.superseded || task.status === 'succeeded') found = task;
    }
    return found;
  }

  async execute(): Promise<RunState> {
    const store = this.deps.store;
    // A run that began outside git keeps its private repository even if the project became one since.
    const info = existsSync(this.privateRepoDir) ? null : await gitProjectInfo(this.run.project);
    this.git = info ? { top: info.top, baseCommit: this.run.baseCommit ?? info.head, projectPath: path.relative(info.top, this.run.project), private: false } : null;
    store.updateRun(this.run.id, {
      status: 'running',
      startedAt: this.run.startedAt ?? new Date().toISOString(),
      supervisorPid: process.pid,
      baseCommit: this.git?.baseCommit ?? null,
    });
    this.run = store.getRun(this.run.id) ?? this.run;
    if (this.run.planJson === '{}') {
      const planned = await this.planInitial();
      if (!planned) return this.killRequested ? 'killed' : 'failed';
    }
    this.tasks = new Map(store.tasksOf(this.run.id).map((t) => [t.id, t]));
    const repo = (this.git ??= await this.privateRepository());
    if (!repo) {
      this.stopPending();
      return this.finish();
    }
    this.ctx = {
      root: this.deps.root,
      run: this.run,
      git: repo,
      codex: this.deps.codex,
      terminals: this.deps.terminals,
      sensitive: this.deps.sensitive,
      env: this.deps.env,
      killGraceMs: this.deps.killGraceMs,
      taskTimeoutMs: this.run.options.taskTimeoutMs,
      idleTimeoutMs: this.run.options.idleTimeoutMs,
      transition: (t, s, p) => this.transition(t, s, p),
      update: (t, p) => this.update(t, p),
      dependencies: (t) => t.dependsOn.map((k) => this.byKey(k)).filter((d): d is TaskRecord => d !== undefined),
    };

    await this.schedule();
    if (!this.killRequested && !this.stalled) await this.mergeResults(repo);
    return this.finish();
  }

  private finish(): RunState {
    const final = this.finalState();
    this.deps.store.updateRun(this.run.id, { status: final, endedAt: new Date().toISOString(), ...(this.stalled ? { reason: this.stalled } : {}) });
    return final;
  }

  private async schedule(): Promise<void> {
    const running = new Set<Promise<void>>();
    for (;;) {
      if (this.replanning) {
        await this.replanning;
        this.replanning = null;
      }
      this.blockDependentsOfFailures();
      if (this.killRequested || this.stalled) this.stopPending();
      const ready = this.current().filter((t) => (t.status === 'pending' || t.status === 'ready' || t.status === 'interrupted') && this.dependenciesSucceeded(t));
      for (const task of ready) {
        if (running.size >= this.run.parallel) break;
        const done: Promise<void> = this.lifecycle(task).then(() => {
          running.delete(done);
          this.wake?.();
        });
        running.add(done);
      }
      if (running.size === 0 && !this.replanning) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  /** All attempts of one task, holding one parallel slot throughout (backoff included). */
  private async lifecycle(initial: TaskRecord): Promise<TaskOutcome> {
    let task = initial;
    // An attempt cut short by a dead supervisor continues its Codex session where it stopped.
    let retryPrompt: string | null = initial.status === 'interrupted' ? INTERRUPTED_PROMPT : null;
    for (;;) {
      task = this.transition(task, 'running', {
        attempts: task.attempts + 1,
        startedAt: task.startedAt ?? new Date().toISOString(),
        endedAt: null,
        exitCode: null,
        signal: null,
        reason: null,
      });
      const attempt = new TaskAttempt(task, this.ctx, retryPrompt);
      this.live.set(task.id, attempt);
      const outcome = await attempt.run();
      this.live.delete(task.id);
      task = this.tasks.get(task.id) ?? task;
      const retryable = (outcome.status === 'failed' || outcome.status === 'timed_out') && outcome.retryable !== false && !this.killRequested && !this.killed.has(task.id);
      if (retryable && task.attempts < this.maxAttempts) {
        const delay = Math.min(MAX_BACKOFF_MS, (this.run.options.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (task.attempts - 1));
        task = this.transition(task, 'retrying', { exitCode: outcome.exitCode, signal: outcome.signal, reason: `${outcome.reason ?? outcome.status}; retry in ${delay} ms` });
        retryPrompt = composeRetryPrompt({
          attempt: task.attempts + 1,
          maxAttempts: this.maxAttempts,
          reason: outcome.reason ?? outcome.status,
          lastError: attempt.lastError,
          outputTail: attempt.outputTail(RETRY_OUTPUT_TAIL_CHARS),
        });
        await this.sleep(delay);
        if (this.killRequested || this.killed.has(task.id)) {
          this.transition(task, 'killed', { reason: 'killed by user between attempts', endedAt: new Date().toISOString() });
          return { ...outcome, status: 'killed' };
        }
        continue;
      }
      task = this.transition(task, outcome.status, {
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        reason: outcome.reason,
        endedAt: new Date().toISOString(),
      });
      if (retryable && !this.replanning) this.replanning = this.replan(task, attempt.lastError);
      return outcome;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  private dependenciesSucceeded(task: TaskRecord): boolean {
    return task.dependsOn.every((k) => this.byKey(k)?.status === 'succeeded');
  }

  private blockDependentsOfFailures(): void {
    for (const { task, reason } of tasksToBlock(this.current())) {
      this.transition(task, 'blocked', { reason, endedAt: new Date().toISOString() });
    }
  }

  private stopPending(): void {
    for (const task of this.current()) {
      if (task.status === 'pending' || task.status === 'ready' || task.status === 'interrupted') {
        const reason = this.stalled ? 'not started: the run stalled' : 'run killed before the task started';
        this.transition(task, this.stalled ? 'blocked' : 'killed', { reason, endedAt: new Date().toISOString() });
      }
    }
  }

  private finalState(): RunState {
    if (this.killRequested) return 'killed';
    if (this.stalled) return 'failed';
    return this.current().every((t) => t.status === 'succeeded') ? 'succeeded' : 'failed';
  }

  /** Objective -> plan through the planner; the run fails (with the reason) if none comes. */
  private async planInitial(): Promise<boolean> {
    const store = this.deps.store;
    store.updateRun(this.run.id, { status: 'planning' });
    this.runEvent({ type: 'planning', message: `planning: ${this.run.objective.slice(0, 120)}` });
    try {
      const plan = await askPlanner(
        this.plannerDeps(),
        planningPrompt(this.run.objective, this.deps.allowList),
        path.join(this.deps.root.runDir(this.run.id), 'plan-1'),
      );
      plan.objective = this.run.objective;
      store.addTasks(this.run.id, planTasks(this.run.id, plan, 1, new Set(), 0), { planJson: JSON.stringify(plan), planVersion: 1, status: 'running' });
      this.run = store.getRun(this.run.id) ?? this.run;
      this.runEvent({ type: 'planned', version: 1, tasks: plan.tasks.map((t) => t.id), message: describePlan(plan) });
      return true;
    } catch (error) {
      const stopped = error instanceof PlanningStopped || this.killRequested;
      const reason = stopped ? 'killed by user during planning' : errorMessage(error);
      store.updateRun(this.run.id, { status: stopped ? 'killed' : 'failed', reason, endedAt: new Date().toISOString() });
      this.runEvent({ type: stopped ? 'planning.stopped' : 'planning.failed', message: reason });
      if (error instanceof PlannerError) return false;
      throw error;
    }
  }

  private get plannerTerminal(): string {
    return `${this.run.id}/planner`;
  }

  private plannerDeps(): PlannerDeps {
    const { codex, env, allowList, killGraceMs, terminals } = this.deps;
    return {
      codex,
      env,
      project: this.run.project,
      allowList,
      killGraceMs,
      timeoutMs: PLANNER_TIMEOUT_MS,
      terminals,
      terminalId: this.plannerTerminal,
      shouldStop: () => this.killRequested,
      onNotice: (message) => this.runEvent({ type: 'planner.notice', message: `planner: ${message}` }),
    };
  }

  // ---- replanning -------------------------------------------------------------------

  private ledgerTask(task: TaskRecord): LedgerTask {
    return { id: task.key, title: task.title, prompt: task.prompt, command: task.command, dependsOn: task.dependsOn };
  }

  /**
   * Asks the planner for the remaining work after `failed` used its attempts. Done and
   * running tasks are kept; the failed task and the tasks not started are superseded by
   * the new plan version. A plan that proposes the failed task again unchanged is a stall.
   */
  private async replan(failed: TaskRecord, lastError: string | null): Promise<void> {
    const maxReplans = this.run.options.maxReplans ?? DEFAULT_MAX_REPLANS;
    const run = this.deps.store.getRun(this.run.id) ?? this.run;
    if (run.replans >= maxReplans) {
      if (maxReplans > 0) this.runEvent({ type: 'replan.exhausted', task: failed.key, message: `no replan left (${maxReplans} used); ${failed.key} stays failed` });
      return;
    }
    if (this.resolvers.has(failed.id)) return;
    const current = this.current();
    const done = current.filter((t) => t.status === 'succeeded');
    const running = current.filter((t) => t.status === 'running' || t.status === 'retrying' || t.status === 'waiting_approval');
    const notStarted = current.filter((t) => t.id !== failed.id && (t.status === 'pending' || t.status === 'ready' || t.status === 'blocked'));
    const ledger: Ledger = {
      objective: this.run.objective,
      done: done.map((t) => ({ ...this.ledgerTask(t), lastMessage: readLastMessage(this.deps.root, t.id) })),
      running: running.map((t) => this.ledgerTask(t)),
      failed: { ...this.ledgerTask(failed), attempts: failed.attempts, reason: failed.reason ?? 'failed', lastError },
      notStarted: notStarted.map((t) => this.ledgerTask(t)),
    };
    const version = run.planVersion + 1;
    this.runEvent({ type: 'replan.started', version, failedTask: failed.key, message: `replanning after ${failed.key} failed (plan v${version})` });
    const kept = new Set([...done, ...running].map((t) => t.key));
    let plan: Plan;
    try {
      plan = await askPlanner(
        this.plannerDeps(),
        replanPrompt(ledger, this.deps.allowList),
        path.join(this.deps.root.runDir(this.run.id), `replan-${version}`),
        kept,
      );
    } catch (error) {
      const message = `replanning failed: ${errorMessage(error)}`;
      this.deps.store.updateRun(this.run.id, { replans: run.replans + 1 });
      this.runEvent({ type: 'replan.failed', version, message });
      if (!(error instanceof PlannerError)) throw error;
      return;
    }
    plan.tasks = plan.tasks.filter((t) => !kept.has(t.id));
    const again = plan.tasks.find((t) => t.id === failed.key && t.prompt === (failed.prompt ?? undefined) && JSON.stringify(t.command ?? null) === JSON.stringify(failed.command));
    if (again || plan.tasks.length === 0) {
      this.stalled = again
        ? `replanning stalled: plan v${version} proposes the failed task ${failed.key} again unchanged`
        : `replanning stalled: plan v${version} has no task for the remaining work`;
      this.deps.store.updateRun(this.run.id, { replans: run.replans + 1, reason: this.stalled });
      this.runEvent({ type: 'replan.stalled', version, message: this.stalled });
      return;
    }
    for (const task of [failed, ...notStarted]) {
      const superseded = this.update(task, { superseded: true });
      if (superseded.status === 'pending' || superseded.status === 'ready') {
        this.transition(superseded, 'blocked', { reason: `replaced by plan v${version}`, endedAt: new Date().toISOString() });
      }
      this.taskEvent(task.id, { type: 'superseded', version });
    }
    const records = planTasks(this.run.id, plan, version, new Set(this.tasks.keys()), this.tasks.size);
    const combined = { objective: this.run.objective, tasks: [...done, ...running].map((t) => this.ledgerTask(t)).concat(plan.tasks.map((t) => ({ id: t.id, title: t.title ?? '', prompt: t.prompt ?? null, command: t.command ?? null, dependsOn: t.dependsOn }))) };
    this.deps.store.addTasks(this.run.id, records, { planVersion: version, replans: run.replans + 1, planJson: JSON.stringify(combined) });
    for (const record of this.deps.store.tasksOf(this.run.id)) if (!this.tasks.has(record.id)) this.tasks.set(record.id, record);
    this.run = { ...this.run, planVersion: version, replans: run.replans + 1 };
    this.runEvent({ type: 'replan', version, tasks: plan.tasks.map((t) => t.id), message: `plan v${version}: ${plan.tasks.map((t) => t.id).join(', ')}` });
  }

  // ---- results ----------------------------------------------------------------------

  /** Outside git: the run's own repository in the state root, with the project committed as its base. */
  private get privateRepoDir(): string {
    return path.join(this.deps.root.runDir(this.run.id), 'repo');
  }

  /** The run's private repository (made once), or null with the run stalled when it cannot be made. */
  private async privateRepository(): Promise<RunRepo | null> {
    try {
      const top = this.privateRepoDir;
      const baseCommit = await createRunRepository(this.run.project, this.deps.root.dir, top);
      return { top, baseCommit, projectPath: '', private: true };
    } catch (error) {
      this.stalled = `could not take a snapshot of ${this.run.project} into ${this.privateRepoDir}: ${errorMessage(error)}`;
      this.runEvent({ type: 'snapshot.failed', message: this.stalled });
      return null;
    }
  }

  /** A task's branch; a private repository's are not recorded on the task (the user has none). */
  private branchOf(git: RunRepo, task: TaskRecord): string | null {
    return task.branch ?? (git.private ? `mcp/${task.id}` : null);
  }

  /**
   * Merges succeeded task branches, dependencies first, into `mcp/run-<id>`. In a git
   * project that branch is the result; outside git it becomes a patch for the project.
   */
  private async mergeResults(git: RunRepo): Promise<void> {
    const succeeded = this.current().filter((t) => t.status === 'succeeded' && this.branchOf(git, t));
    if (succeeded.length === 0) return;
    const resultBranch = `mcp/run-${this.run.id}`;
    const resultDir = path.join(this.deps.root.runDir(this.run.id), 'result');
    try {
      await prepareResultWorktree(git.top, resultDir, resultBranch, git.baseCommit);
      const order = topologicalOrder(succeeded.map((t) => ({ id: t.key, dependsOn: t.dependsOn })));
      const byKey = new Map(succeeded.map((t) => [t.key, t]));
      for (const key of order) {
        const task = byKey.get(key);
        const branch = task ? this.branchOf(git, task) : null;
        if (!branch) continue;
        const conflict = await mergeBranch(resultDir, { taskKey: key, branch });
        if (!conflict) continue;
        this.runEvent({ type: 'merge.conflict', task: key, files: conflict.files, message: `merging ${key} conflicts in ${conflict.files.join(', ')}; a Codex task resolves it` });
        const resolver = await this.resolveConflict(git, resultBranch, conflict);
        if (!resolver) {
          this.stalled = `merging ${key} into ${resultBranch} conflicts in ${conflict.files.join(', ')} and the resolver task failed`;
          return;
        }
        await fastForward(resultDir, resolver);
      }
      if (git.private) {
        await this.writePatches(git, resultBranch);
        return;
      }
      const summary = await diffStat(git.top, git.baseCommit, resultBranch);
      this.deps.store.updateRun(this.run.id, { resultBranch, resultSummary: summary });
      this.runEvent({ type: 'merged', branch: resultBranch, message: `result on branch ${resultBranch}` });
    } catch (error) {
      this.stalled = `merging task branches failed: ${errorMessage(error)}`;
    }
  }

  /**
   * Outside git: each succeeded task's own change (from the commit it started from to its
   * branch) as `runs/<taskId>/result.patch`, and the run's merged result against the
   * snapshot as `run-records/<runId>/result.patch`, which `mcp merge` applies to the project.
   */
  private async writePatches(git: RunRepo, resultBranch: string): Promise<void> {
    const runDir = this.deps.root.runDir(this.run.id);
    try {
      for (const task of this.current()) {
        const branch = task.status === 'succeeded' ? this.branchOf(git, task) : null;
        const start = branch ? await taskStart(git.top, branch) : null;
        if (branch && start) await writeDiff(git.top, start, branch, path.join(this.deps.root.taskFiles(task.id).dir, 'result.patch'));
      }
      const patchFile = path.join(runDir, 'result.patch');
      await writeDiff(git.top, git.baseCommit, resultBranch, patchFile);
      const stat = await patchStat(patchFile, runDir);
      this.deps.store.updateRun(this.run.id, { resultBranch: null, resultSummary: `patch ${patchFile}${stat ? `\n${stat}` : ''}` });
      this.runEvent({ type: 'patched', patch: patchFile, message: `result as a patch: ${patchFile}` });
    } catch (error) {
      this.stalled = `writing the result patches failed: ${errorMessage(error)}`;
    }
  }

  /** A merge conflict becomes a Codex task whose workspace holds the conflict. */
  private async resolveConflict(git: RunRepo, resultBranch: string, conflict: Conflict): Promise<string | null> {
    const key = `merge-${conflict.step.taskKey}`.slice(0, 48);
    const [record] = planTasks(
      this.run.id,
      {
        objective: this.run.objective,
        tasks: [
          {
            id: key,
            title: `Resolve the merge conflict of ${conflict.step.taskKey}`,
            prompt: conflictPrompt(conflict),
            dependsOn: [],
            mode: 'exec',
          },
        ],
      },
      this.run.planVersion,
      new Set(this.tasks.keys()),
      this.tasks.size,
    );
    if (!record) return null;
    const branch = `mcp/${record.id}`;
    const workspace = this.deps.root.workspaceDir(record.id);
    const fresh = !existsSync(workspace);
    await prepareConflictWorkspace(git.top, workspace, branch, resultBranch, conflict);
    if (git.private && fresh) await recordTaskStart(git.top, branch);
    this.deps.store.addTasks(this.run.id, [{ ...record, workspace, branch: git.private ? null : branch }]);
    const stored = this.deps.store.getTask(record.id);
    if (!stored) return null;
    this.tasks.set(stored.id, stored);
    this.resolvers.add(stored.id);
    const outcome = await this.lifecycle(stored);
    if (outcome.status !== 'succeeded') return null;
    const left = markersRemain(workspace, conflict.files);
    if (left.length > 0) {
      this.transition(this.tasks.get(stored.id) ?? stored, 'failed', { reason: `conflict markers remain in ${left.join(', ')}` });
      return null;
    }
    return branch;
  }

  // ---- control ----------------------------------------------------------------------

  /** Stops one task: a live one gets SIGTERM then SIGKILL; a pending one never starts. */
  killTask(taskId: string): boolean {
    const task = this.tasks.get(taskId);
    if (!task) return false;
    this.killed.add(taskId);
    const attempt = this.live.get(taskId);
    if (attempt) {
      attempt.stop('killed');
      return true;
    }
    if (task.status === 'pending' || task.status === 'ready' || task.status === 'retrying') {
      if (task.status !== 'retrying') this.transition(task, 'killed', { reason: 'killed by user before it started', endedAt: new Date().toISOString() });
      this.wake?.();
      return true;
    }
    return false;
  }

  killAll(): string[] {
    this.killRequested = true;
    const stopped: string[] = [];
    // Planning or replanning: the planner's Codex is stopped like any task.
    if (this.deps.terminals.stop(this.plannerTerminal, 'killed')) stopped.push(`${this.run.id} (planner)`);
    for (const [id, attempt] of this.live) {
      attempt.stop('killed');
      stopped.push(id);
    }
    for (const task of this.current()) if (task.status === 'pending' || task.status === 'ready' || task.status === 'retrying') stopped.push(task.id);
    this.wake?.();
    return stopped;
  }
}

const INTERRUPTED_PROMPT = `Your previous session on this task was interrupted because the orchestrator running it stopped.
Check the state of the working directory, then continue the task where you left off and finish it as originally asked.
`;

/** The plan as a person reads it before it runs. */
export function describePlan(plan: Plan): string {
  const lines = plan.tasks.map((t) => {
    const what = t.prompt !== undefined ? (t.title || t.prompt.split('\n')[0]?.slice(0, 80) || '') : `$ ${(t.command ?? []).join(' ')}`;
    return `  ${t.id}${t.dependsOn.length ? ` (after ${t.dependsOn.join(', ')})` : ''}: ${what}${t.acceptance ? ` — done when: ${t.acceptance.slice(0, 80)}` : ''}`;
  });
  return `plan v1, ${plan.tasks.length} task${plan.tasks.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

function conflictPrompt(conflict: Conflict): string {
  return `Merging branch ${conflict.step.branch} (task ${conflict.step.taskKey}) into the run's result produced conflicts in: ${conflict.files.join(', ')}.
The merge is in progress in your working directory; the conflicting files contain conflict markers.
Resolve every conflict so that the intent of both sides is kept, remove all conflict markers, and leave the files consistent. Do not commit: mcp commits the resolution.`;
}
