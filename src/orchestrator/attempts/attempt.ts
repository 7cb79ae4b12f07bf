import { mkdirSync } from 'node:fs';
import { errorMessage, isDiskFull, McpError, SpawnRefusedError } from '../../domain/errors.js';
import type { ApprovalDecision, Decider, TaskEvent } from '../../domain/events.js';
import type { TaskRecord } from '../../store/records.js';
import type { TaskFiles } from '../../store/state-root.js';
import { EventLog } from '../../terminal/event-log.js';
import type { PtyExit, PtyProcess, PtyProcessOptions } from '../../terminal/pty-process.js';
import type { FollowUp, TaskOutcome } from '../scheduler.js';
import { sizeOf, tailOf } from '../task-files.js';
import { stderrReason } from './stderr-reason.js';
import type { AttemptContext } from './attempt-context.js';
import { ApprovalDesk, type DecideResult } from './approval-desk.js';

/** How much of a failed child's stderr a failure reason quotes. */
const REASON_TAIL_CHARS = 400;

/** 1500 ms -> "1.5 s": a limit the user gave is quoted as given, never rounded. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** What a kind of task says about its process; the rest comes from the task and the context. */
export type LaunchArgs = Omit<PtyProcessOptions, 'cwd' | 'env' | 'stdoutLog' | 'stderrLog' | 'killGraceMs' | 'timeoutMs' | 'idleTimeoutMs'>;

/** How a task's process is started: shared by the spawn and by the process held ahead of it. */
export function launchOptions(task: TaskRecord, ctx: AttemptContext, args: LaunchArgs): PtyProcessOptions {
  const files = ctx.root.taskFiles(task.id);
  return {
    ...args,
    cwd: task.workspace ?? ctx.root.workspaceDir(task.id),
    env: { ...ctx.env, TERM: 'xterm-256color' },
    stdoutLog: files.stdout,
    stderrLog: files.stderr,
    timeoutMs: task.timeoutSeconds !== null ? task.timeoutSeconds * 1000 : ctx.taskTimeoutMs,
    idleTimeoutMs: ctx.idleTimeoutMs,
    killGraceMs: ctx.killGraceMs,
  };
}

/**
 * One attempt of one task: its events log, its process in a PTY (through the terminal
 * manager), and how it ended. Each kind of task (a command, a Codex session) says what
 * to start and how to read it; the rest is here.
 */
export abstract class Attempt {
  protected readonly files: TaskFiles;
  protected readonly events: EventLog;
  protected process: PtyProcess | null = null;
  /** The first log of this attempt that could not be written (a full disk). */
  private logFailure: string | null = null;
  /** Where this attempt's stderr begins in stderr.log. */
  private readonly stderrFrom: number;

  constructor(
    protected task: TaskRecord,
    protected readonly ctx: AttemptContext,
    protected readonly followUp: FollowUp | null,
  ) {
    this.files = ctx.root.taskFiles(task.id);
    mkdirSync(this.files.dir, { recursive: true });
    this.stderrFrom = sizeOf(this.files.stderr);
    this.events = new EventLog(this.files.events, task.id, (message) => {
      this.logFailure ??= message;
      this.process?.stop('log_failed');
    });
  }

  /**
   * The approvals of this attempt: a Codex escalation or a sensitive command waits there for
   * a person (or a rule). `idle` says whether a question pauses the process's idle timer.
   */
  protected approvalDesk(idle: boolean): ApprovalDesk {
    const ctx = this.ctx;
    return new ApprovalDesk({
      tasks: ctx.tasks,
      task: () => ctx.tasks.get(this.task.id) ?? this.task,
      event: (event) => this.event(event),
      rules: ctx.approvalRules,
      onWaiting: (notice) => ctx.onWaiting(notice),
      pauseIdle: () => (idle ? this.process?.pauseIdle() : undefined),
      resumeIdle: () => (idle ? this.process?.resumeIdle() : undefined),
    });
  }

  /** The live PTY, for viewers; null before the spawn and after the exit. */
  get pty(): PtyProcess | null {
    return this.process;
  }

  event(event: TaskEvent): void {
    this.events.append(event);
  }

  stop(reason: 'killed' | 'timed_out'): void {
    this.process?.stop(reason);
  }

  answerApproval(_id: number | undefined, _decision: ApprovalDecision, _by: Decider): DecideResult {
    return { ok: false, error: `task ${this.task.id} is not waiting for an approval`, code: 'not_waiting' };
  }

  async run(): Promise<TaskOutcome> {
    try {
      return await this.attempt();
    } catch (error) {
      if (isDiskFull(error)) return this.diskFull(errorMessage(error));
      const reason = error instanceof McpError ? `${error.message}${error.hint ? ` (${error.hint})` : ''}` : `internal error: ${errorMessage(error)}`;
      this.event(error instanceof SpawnRefusedError ? { type: 'spawn.refused', message: reason } : { type: 'error', message: reason });
      return { status: 'failed', exitCode: null, signal: null, reason, retryable: !(error instanceof SpawnRefusedError) };
    } finally {
      this.process = null;
      this.events.close();
    }
  }

  protected abstract attempt(): Promise<TaskOutcome>;

  /** Starts the process; its pid is stored before anything else happens. */
  protected spawn(options: LaunchArgs): PtyProcess {
    const launch = launchOptions(this.task, this.ctx, options);
    const child = this.ctx.terminals.spawn(this.task.id, launch);
    this.started(child, options.argv, launch.cwd);
    return child;
  }

  protected started(child: PtyProcess, argv: string[], cwd: string): void {
    this.process = child;
    this.task = this.ctx.tasks.update(this.task, { pid: child.pid, pidStart: child.pidStart });
    this.event({ type: 'started', pid: child.pid, argv, cwd, attempt: this.task.attempts });
  }

  /** Records the exit; an outcome already when mcp stopped the process or a log failed. */
  protected exited(exit: PtyExit): TaskOutcome | null {
    this.event({ type: 'exit', exitCode: exit.exitCode, signal: exit.signal, bytes: exit.bytes, stoppedBy: exit.stoppedBy, ...(exit.logError ? { logError: exit.logError } : {}) });
    const logFailure = exit.logError ?? this.logFailure;
    if (logFailure) return this.diskFull(logFailure, exit);
    const base = { exitCode: exit.exitCode, signal: exit.signal };
    if (exit.stoppedBy === 'killed') return { ...base, status: 'killed', reason: 'killed by user' };
    if (exit.stoppedBy === 'timed_out') return { ...base, status: 'timed_out', reason: 'task timeout reached' };
    if (exit.stoppedBy === 'idle') return { ...base, status: 'timed_out', reason: `idle timeout: no output for ${formatSeconds(this.ctx.idleTimeoutMs ?? 0)}` };
    return null;
  }

  /** "exited with code 2: <the last lines of stderr>" */
  protected failure(exit: PtyExit, ignore: (line: string) => boolean = () => false): string {
    const how = exit.exitCode !== null ? `exited with code ${exit.exitCode}` : `ended by ${exit.signal}`;
    // This attempt's stderr only: the log holds every attempt's, one after the other.
    const stderr = stderrReason(tailOf(this.files.stderr, REASON_TAIL_CHARS, this.stderrFrom), ignore);
    return `${how}${stderr ? `: ${stderr}` : ''}`;
  }

  /**
   * A task whose logs cannot be written is stopped and fails for good: another attempt
   * would meet the same full disk, and its output would be lost.
   */
  private diskFull(what: string, exit?: PtyExit): TaskOutcome {
    const reason = `could not write the task's files (${what}); free space on the state root's disk, then run it again`;
    this.event({ type: 'error', message: reason });
    return { status: 'failed', exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null, reason, retryable: false };
  }
}
