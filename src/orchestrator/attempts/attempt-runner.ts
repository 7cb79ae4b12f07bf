import { mkdirSync } from 'node:fs';
import type { ApprovalDecision, Decider } from '../../domain/events.js';
import type { TaskRecord } from '../../store/records.js';
import type { PtyProcess } from '../../terminal/pty-process.js';
import { EventLog } from '../../terminal/event-log.js';
import { commitWorkspace, prepareWorkspace, workspaceCwd } from '../../workspace/workspace.js';
import type { FollowUp, TaskOutcome, TaskRunner } from '../scheduler.js';
import type { AttemptContext } from './attempt-context.js';
import { launchOptions, type Attempt } from './attempt.js';
import { AppServerAttempt, appServerLaunch, type CodexThreadAddress } from './app-server-attempt.js';
import type { DecideResult } from './approval-desk.js';
import { CommandAttempt } from './command-attempt.js';
import { errorMessage } from '../../domain/errors.js';

/**
 * The scheduler's hands: makes a task's workspace, runs an attempt of the right kind, and
 * records the work on the task's branch afterwards. Holds the live attempts, for kill,
 * attach and approvals.
 */
export class AttemptRunner implements TaskRunner {
  private readonly live = new Map<string, Attempt>();

  constructor(private readonly ctx: AttemptContext) {}

  async prepare(task: TaskRecord): Promise<void> {
    const { repo, root, tasks } = this.ctx;
    const branch = `mcp/${task.id}`;
    const workspace = prepareWorkspace({
      repo,
      workspace: root.workspaceDir(task.id),
      branch,
      dependencies: tasks.dependenciesOf(task).map((d) => ({ branch: `mcp/${d.id}` })),
    });
    // Once git was started (setImmediate runs after the promise jobs that start it), the
    // task's process is forked while git makes the workspace, not after.
    const held = new Promise<void>((resolve) =>
      setImmediate(() => {
        this.holdProcess(task);
        resolve();
      }),
    );
    const [made] = await Promise.allSettled([workspace, held]);
    if (made.status === 'rejected') {
      this.ctx.terminals.discard(task.id);
      throw made.reason;
    }
    // A private repository's branches are not the user's: the task shows none.
    tasks.update(task, { workspace: made.value, branch: repo.private ? null : branch });
  }

  /**
   * A task's first attempt has its PTY and shell started now, stopped before its program
   * runs: the fork is paid while git works or another task holds the slot, not in the gap
   * between two. Anything that goes wrong here is left to the spawn, which starts afresh
   * (as it does when the launch turns out different, e.g. a project in a subdirectory).
   */
  private holdProcess(task: TaskRecord): void {
    if (task.attempts > 0) return;
    const files = this.ctx.root.taskFiles(task.id);
    const codex = this.ctx.codex.path;
    const launch = task.kind === 'command' ? { argv: task.command ?? [] } : codex ? appServerLaunch(codex, files) : null;
    if (!launch) return;
    try {
      mkdirSync(files.dir, { recursive: true });
      const workspace = task.workspace ?? workspaceCwd(this.ctx.root.workspaceDir(task.id), this.ctx.repo);
      this.ctx.terminals.hold(task.id, launchOptions({ ...task, workspace }, this.ctx, launch));
    } catch {
      // The spawn will say what is wrong, in the attempt's own events.
    }
  }

  async run(task: TaskRecord, followUp: FollowUp | null): Promise<TaskOutcome> {
    const attempt = this.attemptFor(task, followUp);
    this.live.set(task.id, attempt);
    try {
      return await attempt.run();
    } finally {
      this.live.delete(task.id);
      // An attempt that ended before its spawn (a refusal, a missing binary) leaves it held.
      this.ctx.terminals.discard(task.id);
    }
  }

  private attemptFor(task: TaskRecord, followUp: FollowUp | null): Attempt {
    if (task.kind === 'command') return new CommandAttempt(task, this.ctx, followUp);
    return new AppServerAttempt(task, this.ctx, followUp);
  }

  /** Commits the task's work on its branch, outside the slot: dependents and the merger wait for it. */
  async conclude(task: TaskRecord, outcome: TaskOutcome): Promise<TaskOutcome> {
    const workspace = task.workspace;
    if (!workspace) return outcome;
    const events = new EventLog(this.ctx.root.taskFiles(task.id).events, task.id);
    try {
      const changed = await commitWorkspace(workspace, `mcp: ${task.key}${task.title ? ` — ${task.title}` : ''}`);
      events.append({ type: 'committed', branch: `mcp/${task.id}`, changed });
      return { ...outcome, changed };
    } catch (error) {
      const reason = `could not commit the workspace: ${errorMessage(error)}`;
      events.append({ type: 'error', message: reason });
      return { ...outcome, status: 'failed', reason };
    } finally {
      events.close();
    }
  }

  stop(taskId: string, reason: 'killed' | 'timed_out'): void {
    this.ctx.terminals.discard(taskId);
    this.live.get(taskId)?.stop(reason);
  }

  /** The PTY of a task's running attempt, for `mcp attach`. */
  livePty(taskId: string): PtyProcess | null {
    return this.live.get(taskId)?.pty ?? null;
  }

  answerApproval(taskId: string, id: number | undefined, decision: ApprovalDecision, by: Decider): DecideResult {
    const attempt = this.live.get(taskId);
    if (!attempt) return { ok: false, error: `task ${taskId} is not running`, code: 'not_waiting' };
    return attempt.answerApproval(id, decision, by);
  }

  private session(taskId: string): AppServerAttempt | null {
    const attempt = this.live.get(taskId);
    return attempt instanceof AppServerAttempt ? attempt : null;
  }

  /** More guidance for a running Codex session (`mcp send`). */
  async send(taskId: string, text: string, by: Decider): Promise<{ ok: true; turn: 'steered' | 'started' } | { ok: false; error: string }> {
    const session = this.session(taskId);
    if (!session) return { ok: false, error: `task ${taskId} has no running Codex session` };
    return session.send(text, by);
  }

  /** Ends a session that waits for input (`mcp done`). */
  done(taskId: string): { ok: true } | { ok: false; error: string } {
    return this.session(taskId)?.done() ?? { ok: false, error: `task ${taskId} has no running Codex session` };
  }

  /** Where the Codex TUI reaches a task's session (`mcp attach`), crediting `by` with what is answered there. */
  codexThread(taskId: string, by: Decider | null): CodexThreadAddress | null {
    const session = this.session(taskId);
    if (!session) return null;
    if (by) session.tuiViewer = by;
    return session.address;
  }

  /** True when the task's attempt is a Codex session (attach opens the TUI, not the raw PTY). */
  isCodexSession(taskId: string): boolean {
    return this.session(taskId) !== null;
  }
}
