import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CodexBinary } from '../agents/codex-binary.js';
import type { SensitivePattern } from '../config/sensitive.js';
import { planningPrompt } from '../agents/planner-prompt.js';
import { errorMessage, PlannerError, PlanningStopped } from '../domain/errors.js';
import type { ApprovalDecision, Decider, RunEvent, TaskEvent } from '../domain/events.js';
import { endedRunState, isWaitingToRun, type RunState } from '../domain/task-state.js';
import type { RunRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { appendEvent } from '../terminal/event-log.js';
import type { PtyProcess } from '../terminal/pty-process.js';
import type { TerminalManager } from '../terminal/terminal-manager.js';
import { gitProjectInfo } from '../workspace/git.js';
import { createRunRepository } from '../workspace/run-repository.js';
import type { RunRepo } from '../workspace/workspace.js';
import type { DecideResult, WaitingNotice } from './attempts/approval-desk.js';
import type { CodexThreadAddress } from './attempts/app-server-attempt.js';
import { runNotifyHook } from './notify-hook.js';
import { takenBy } from './run-supervisor.js';
import { AttemptRunner } from './attempts/attempt-runner.js';
import { runFailureReason } from './run-failure.js';
import { planTasks } from './create-run.js';
import { askPlanner, PLANNER_TIMEOUT_MS, type PlannerDeps } from './planner.js';
import { replan } from './replanner.js';
import { ResultMerger } from './result-merger.js';
import { Scheduler } from './scheduler.js';
import { RunTasks, type TaskChange } from './transitions.js';

export interface ExecutorDeps {
  root: StateRoot;
  store: TaskStore;
  codex: CodexBinary;
  /** Owns every PTY of the supervisor; enforces the spawn policy. */
  terminals: TerminalManager;
  allowList: readonly string[];
  sensitive: readonly SensitivePattern[];
  /** The execution-policy rules that make Codex ask before the same commands in a prompt task, for its workspace. */
  codexRules: (workspace: string) => string;
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
  /** Rules of mcp.config.json that answer some approvals without a person. */
  approvalRules: { allow: readonly string[]; deny: readonly string[] };
  /** The `notify` hook of mcp.config.json: run when a task starts waiting for a person. */
  notify: readonly string[] | null;
}

/** Run-level news (the plan, replans, merges), as typed events, for whoever shows them. */
export interface RunNews {
  runId: string;
  event: RunEvent;
}

/** Attempts per task (the first included) unless the run says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_MAX_REPLANS = 2;
/** First retry delay; doubled each time, so a flaky model gets room without stalling a run. */
export const DEFAULT_BACKOFF_MS = 1_000;
/** The longest wait between two attempts: a minute is long enough for a model to recover. */
const MAX_BACKOFF_MS = 60_000;

/**
 * One run, from plan to result: plans the objective when there is no plan yet, then hands
 * the tasks to the scheduler (attempts run by the attempt runner), replans when a task
 * runs out of attempts, and merges each succeeded task into the run's result as it
 * finishes. Every state change is committed to the store before it is acted on.
 */
export class RunController {
  private run: RunRecord;
  private tasks: RunTasks | null = null;
  private runner: AttemptRunner | null = null;
  private scheduler: Scheduler | null = null;
  private killRequested = false;
  private stalled: string | null = null;
  /** The last replan that could not be made (the planner failed): part of a failed run's reason. */
  private replanFailure: string | null = null;
  private readonly changeListeners: ((change: TaskChange) => void)[] = [];
  private readonly newsListeners: ((news: RunNews) => void)[] = [];

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
    this.changeListeners.push(listener);
  }

  onNews(listener: (news: RunNews) => void): void {
    this.newsListeners.push(listener);
  }

  taskIds(): string[] {
    return this.tasks?.ids() ?? [];
  }

  /** A full task id or a plan key of this run (the current version) -> the task id. */
  resolveKey(ref: string): string | undefined {
    if (!this.tasks) return undefined;
    return this.tasks.get(ref)?.id ?? this.tasks.byKey(ref)?.id;
  }

  answerApproval(taskId: string, id: number | undefined, decision: ApprovalDecision, by: Decider): DecideResult {
    return this.runner?.answerApproval(taskId, id, decision, by) ?? { ok: false, error: `task ${taskId} is not running`, code: 'not_waiting' };
  }

  send(taskId: string, text: string, by: Decider): Promise<{ ok: true; turn: 'steered' | 'started' } | { ok: false; error: string }> {
    return this.runner?.send(taskId, text, by) ?? Promise.resolve({ ok: false, error: `task ${taskId} is not running` });
  }

  done(taskId: string): { ok: true } | { ok: false; error: string } {
    return this.runner?.done(taskId) ?? { ok: false, error: `task ${taskId} is not running` };
  }

  codexThread(taskId: string, by: Decider | null): CodexThreadAddress | null {
    return this.runner?.codexThread(taskId, by) ?? null;
  }

  isCodexSession(taskId: string): boolean {
    return this.runner?.isCodexSession(taskId) ?? false;
  }

  /** A task waits for a person: the `notify` hook hears of it (the live view sees the state). */
  private waiting(notice: WaitingNotice): void {
    if (!this.deps.notify) return;
    void runNotifyHook(this.deps.notify, {
      run: this.run.id,
      task: notice.task.id,
      key: notice.task.key,
      title: notice.task.title,
      kind: notice.kind,
      ...(notice.approvalId !== undefined ? { approval: notice.approvalId } : {}),
      ...(notice.command !== undefined ? { command: notice.command } : {}),
      reason: notice.reason,
      answer: notice.answer,
      project: this.run.project,
      stateRoot: this.deps.root.dir,
    }, { cwd: this.run.project, env: this.deps.env, allowList: this.deps.allowList, codexPath: this.deps.codex.path }).then((result) => this.taskEvent(notice.task.id, { type: 'notified', command: [...(this.deps.notify ?? [])], ok: result.ok, ...(result.ok ? {} : { message: result.error }) }));
  }

  /** The PTY of a task's running attempt, for `mcp attach`. */
  livePty(taskId: string): PtyProcess | null {
    return this.runner?.livePty(taskId) ?? null;
  }

  /** Stops one task: a live one gets SIGTERM then SIGKILL; a waiting one never starts. */
  killTask(taskId: string): boolean {
    return this.scheduler?.kill(taskId) ?? false;
  }

  /** Stops the run: the planner if it is planning, every task otherwise. */
  killAll(): string[] {
    this.killRequested = true;
    const stopped: string[] = [];
    if (this.deps.terminals.stop(this.plannerTerminal, 'killed')) stopped.push(`${this.run.id} (planner)`);
    stopped.push(...(this.scheduler?.killAll() ?? []));
    return stopped;
  }

  private get maxAttempts(): number {
    return this.run.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  private runEvent(event: RunEvent): void {
    if (event.type === 'replan.failed') this.replanFailure = event.message;
    appendEvent(this.deps.root.runFiles(this.run.id).events, this.run.id, event);
    for (const listener of this.newsListeners) listener({ runId: this.run.id, event });
  }

  private taskEvent(taskId: string, event: TaskEvent): void {
    appendEvent(this.deps.root.taskFiles(taskId).events, taskId, event);
  }

  async execute(): Promise<RunState> {
    const store = this.deps.store;
    // A run that began outside git keeps its private repository even if the project became one since.
    const repoDir = this.deps.root.runFiles(this.run.id).repo;
    const info = existsSync(repoDir) ? null : await gitProjectInfo(this.run.project);
    const userRepo: RunRepo | null = info ? { top: info.top, baseCommit: this.run.baseCommit ?? info.head, projectPath: path.relative(info.top, this.run.project), private: false } : null;
    store.updateRun(this.run.id, {
      status: 'running',
      startedAt: this.run.startedAt ?? new Date().toISOString(),
      ...takenBy(),
      baseCommit: userRepo?.baseCommit ?? null,
    });
    this.run = store.getRun(this.run.id) ?? this.run;
    if (this.run.planJson === '{}' && !(await this.planInitial())) return this.killRequested ? 'killed' : 'failed';
    const repo = userRepo ?? (await this.privateRepository(repoDir));

    const tasks = new RunTasks({ store, appendEvent: (id, event) => this.taskEvent(id, event) }, this.run.id, store.tasksOf(this.run.id));
    tasks.onChange((change) => {
      for (const listener of this.changeListeners) listener(change);
    });
    this.tasks = tasks;
    if (!repo) {
      for (const task of tasks.current()) {
        if (isWaitingToRun(task.status)) tasks.transition(task, 'blocked', { reason: `not started: ${this.stalled ?? 'the run stalled'}`, endedAt: new Date().toISOString() });
      }
      return this.finish();
    }
    const runner = new AttemptRunner({
      root: this.deps.root,
      run: () => this.run,
      repo,
      codex: this.deps.codex,
      terminals: this.deps.terminals,
      sensitive: this.deps.sensitive,
      codexRules: this.deps.codexRules,
      env: this.deps.env,
      killGraceMs: this.deps.killGraceMs,
      taskTimeoutMs: this.run.options.taskTimeoutMs,
      idleTimeoutMs: this.run.options.idleTimeoutMs,
      tasks,
      approvalRules: this.deps.approvalRules,
      onWaiting: (notice) => this.waiting(notice),
    });
    this.runner = runner;
    let scheduler: Scheduler;
    const merger = new ResultMerger({
      root: this.deps.root,
      store,
      repo,
      run: () => this.run,
      tasks,
      runEvent: (event) => this.runEvent(event),
      runResolver: (task) => {
        scheduler.add(task, { replannable: false });
        return scheduler.whenSettled(task.id);
      },
      hold: (work) => scheduler.hold(work),
      stall: (reason) => scheduler.stall(reason),
    });
    scheduler = new Scheduler(
      {
        tasks,
        runner,
        replan: (failed, outcome) =>
          replan(
            {
              root: this.deps.root,
              store,
              tasks,
              run: () => this.run,
              allowList: this.deps.allowList,
              maxReplans: this.run.options.maxReplans ?? DEFAULT_MAX_REPLANS,
              planner: () => this.plannerDeps(),
              runEvent: (event) => this.runEvent(event),
              taskEvent: (id, event) => this.taskEvent(id, event),
            },
            failed,
            outcome,
          ).then((result) => {
            this.run = store.getRun(this.run.id) ?? this.run;
            return result;
          }),
        onSucceeded: (task, outcome) => merger.taskSucceeded(task, outcome.changed !== false),
      },
      { parallel: this.run.parallel, maxAttempts: this.maxAttempts, backoffMs: this.run.options.backoffMs ?? DEFAULT_BACKOFF_MS, maxBackoffMs: MAX_BACKOFF_MS },
    );
    this.scheduler = scheduler;
    if (this.killRequested) scheduler.killAll();
    // A resumed run: what succeeded before is merged again (a no-op when it already is).
    for (const task of tasks.current().sort((a, b) => a.position - b.position)) if (task.status === 'succeeded') merger.taskSucceeded(task);
    await scheduler.run();
    this.stalled = scheduler.stalled;
    await merger.finish(!this.killRequested && !this.stalled);
    this.stalled ??= merger.failed;
    const leftOut = merger.failed ? merger.leftOut() : null;
    if (this.stalled && leftOut?.length) this.stalled = `${this.stalled}; not on ${merger.branch}: the work of ${leftOut.join(', ')}`;
    return this.finish();
  }

  private finish(): RunState {
    const final = endedRunState(this.tasks?.current() ?? [], { killRequested: this.killRequested, stalled: Boolean(this.stalled) });
    const reason = this.stalled ?? (final === 'failed' ? runFailureReason(this.tasks?.current() ?? [], this.replanFailure) : null);
    this.deps.store.updateRun(this.run.id, { status: final, endedAt: new Date().toISOString(), ...(reason ? { reason } : {}) });
    return final;
  }

  /** Outside git: the run's own repository in the state root, the project committed as its base. */
  private async privateRepository(top: string): Promise<RunRepo | null> {
    try {
      const baseCommit = await createRunRepository(this.run.project, this.deps.root.dir, top);
      return { top, baseCommit, projectPath: '', private: true };
    } catch (error) {
      this.stalled = `could not take a snapshot of ${this.run.project} into ${top}: ${errorMessage(error)}`;
      return null;
    }
  }

  /** Objective -> plan through the planner; the run fails (with the reason) if none comes. */
  private async planInitial(): Promise<boolean> {
    const store = this.deps.store;
    store.updateRun(this.run.id, { status: 'planning' });
    this.runEvent({ type: 'planning', objective: this.run.objective });
    try {
      const plan = await askPlanner(this.plannerDeps(), planningPrompt(this.run.objective, this.deps.allowList), this.deps.root.runFiles(this.run.id).plannerDir('plan-1'));
      plan.objective = this.run.objective;
      store.addTasks(this.run.id, planTasks(this.run.id, plan, 1, new Set(), 0), { planJson: JSON.stringify(plan), planVersion: 1, status: 'running' });
      this.run = store.getRun(this.run.id) ?? this.run;
      this.runEvent({ type: 'planned', version: 1, tasks: plan.tasks.map((t) => t.id) });
      return true;
    } catch (error) {
      const stopped = error instanceof PlanningStopped || this.killRequested;
      const reason = stopped ? 'killed by user during planning' : errorMessage(error);
      store.updateRun(this.run.id, { status: stopped ? 'killed' : 'failed', reason, endedAt: new Date().toISOString() });
      this.runEvent(stopped ? { type: 'planning.stopped' } : { type: 'planning.failed', message: reason });
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
      onNotice: (message) => this.runEvent({ type: 'planner.notice', message }),
    };
  }
}
