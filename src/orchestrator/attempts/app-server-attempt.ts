import { rmSync, writeFileSync } from 'node:fs';
import { missingCodexMessage } from '../../agents/codex-binary.js';
import { isCodexStderrNoise } from '../../agents/codex-events.js';
import { answerApproval, describeApproval, refuseMachineRequest, trackFileChanges, type ApprovalAnswer, type ApprovalKind as CodexApprovalKind } from '../../agents/app-server/approvals.js';
import { AppServerClient, type ServerRequestHandle } from '../../agents/app-server/client.js';
import { AppServerRequestError } from '../../agents/app-server/errors.js';
import { lastAgentMessage, notificationEvents } from '../../agents/app-server/events.js';
import type { ServerNotification } from '../../agents/app-server/methods.js';
import { writeTaskRules } from '../../agents/app-server/task-rules.js';
import { codexAppServerArgs, taskThreadResumeParams, taskThreadStartParams, textInput } from '../../agents/app-server/task-session.js';
import { errorMessage } from '../../domain/errors.js';
import type { ApprovalDecision, ApprovalKind, Decider } from '../../domain/events.js';
import type { TaskFiles } from '../../store/state-root.js';
import { STOP_SIGNAL, type PtyExit } from '../../terminal/pty-process.js';
import { processMasker } from '../../terminal/process-masker.js';
import type { TaskOutcome } from '../scheduler.js';
import { Attempt, type LaunchArgs } from './attempt.js';
import { ApprovalDesk, type DecideResult } from './approval-desk.js';
import { stoppedBecause } from '../withdraw-approvals.js';
import { followUpPrompt, taskPrompt } from './codex-prompt.js';

/** How long `mcp kill` waits for Codex to interrupt the turn before it stops the process group. */
const INTERRUPT_WAIT_MS = 2_000;
/** Who mcp says it is to Codex (Codex records it as the thread's originator). */
const CLIENT_INFO = { name: 'mcp', title: 'mcp orchestrator', version: '0.1.0' };

const TO_CODEX: Record<ApprovalDecision, ApprovalAnswer> = { accept: 'approve', accept_for_session: 'approveForSession', decline: 'deny', cancel: 'abort' };
const FROM_CODEX: Record<ApprovalAnswer, ApprovalDecision> = { approve: 'accept', approveForSession: 'accept_for_session', deny: 'decline', abort: 'cancel' };
const KINDS: Record<CodexApprovalKind, ApprovalKind> = { command: 'command', fileChange: 'file_change', permissions: 'permissions', mcpElicitation: 'other', userInput: 'user_input' };

/** Why the attempt stops waiting: its turn ended, the person ended the session, or the process went away. */
type End =
  | { kind: 'turn'; status: 'completed' | 'failed' | 'interrupted' | 'inProgress'; error: string | null }
  | { kind: 'done' }
  | { kind: 'exit' };

/**
 * How an app-server ended. One mcp stopped ended by mcp's signal: Codex catches SIGTERM and
 * exits 0, and that 0 is its answer to the signal, not the task's result (recorded as such,
 * a killed task read as a success).
 */
function endedBy(exit: PtyExit): Pick<TaskOutcome, 'exitCode' | 'signal'> {
  if (!exit.stoppedBy) return { exitCode: exit.exitCode, signal: exit.signal };
  return { exitCode: null, signal: exit.signal ?? STOP_SIGNAL };
}

/** Where a person reaches a running Codex session: the real Codex TUI on its thread. */
export interface CodexThreadAddress {
  socket: string;
  threadId: string;
}

/** The process of a prompt task: Codex's app-server on the task's socket. */
export function appServerLaunch(codex: string, files: TaskFiles): LaunchArgs {
  return { argv: [codex, ...codexAppServerArgs(files.codexSocket, files.dir)] };
}

/**
 * A prompt task, in any mode, driven through Codex's own protocol: `codex app-server` runs
 * in the task's PTY and mcp talks JSON-RPC to it on its socket. Codex's approval requests
 * go to the task's approval desk (rules, or a person through `mcp approve`, the TUI or the
 * page); an `exec` task ends with its turn, an `interactive` one waits for the next
 * message (`mcp send`) after each turn until the person ends it (`mcp done`).
 */
export class AppServerAttempt extends Attempt {
  private client: AppServerClient | null = null;
  private threadId: string | null = null;
  private activeTurn: string | null = null;
  private lastMessage: string | null = null;
  private lastError: string | null = null;
  private stopping: 'killed' | 'timed_out' | null = null;
  private endWith: ((end: End) => void) | null = null;
  private readonly desk: ApprovalDesk;
  /** Approval requests answered by another client (the TUI): their decision is read from the item's end. */
  private readonly answeredElsewhere = new Map<string, number>();
  /** The person who last opened the TUI on this task, credited with what is answered there. */
  tuiViewer: Decider | null = null;

  constructor(...args: ConstructorParameters<typeof Attempt>) {
    super(...args);
    this.desk = this.approvalDesk(true);
  }

  /** Who answered in the Codex TUI: the person who last opened it on this task, if known. */
  private tuiDecider(): Decider {
    return this.tuiViewer ?? { kind: 'person', user: 'unknown', uid: null, pid: null, via: 'tui' };
  }

  private get interactive(): boolean {
    return this.task.mode === 'interactive';
  }

  /** The thread's address for the Codex TUI, once its first turn started (before that the TUI cannot open it). */
  get address(): CodexThreadAddress | null {
    return this.threadId && this.client ? { socket: this.files.codexSocket, threadId: this.threadId } : null;
  }

  protected async attempt(): Promise<TaskOutcome> {
    const codex = this.ctx.codex.path;
    if (!codex) {
      const reason = missingCodexMessage(this.ctx.codex);
      this.event({ type: 'error', message: reason });
      return { status: 'failed', exitCode: null, signal: null, reason, retryable: false };
    }
    const socket = this.files.codexSocket;
    // A socket (or Codex's symlink to one) left by a killed attempt is replaced, not joined.
    rmSync(socket, { force: true });
    writeTaskRules(this.files.dir, this.ctx.codexRules(this.task.workspace ?? this.ctx.root.workspaceDir(this.task.id)));
    const child = this.spawn(appServerLaunch(codex, this.files));
    const ended = new Promise<End>((resolve) => (this.endWith = resolve));
    const gone = new AbortController();
    void child.exited.then(() => {
      gone.abort();
      this.endWith?.({ kind: 'exit' });
    });
    try {
      this.client = await AppServerClient.connect({ socketPath: socket, clientInfo: CLIENT_INFO, signal: gone.signal });
    } catch (error) {
      child.stop(this.stopping ?? 'finished');
      return this.conclude(await child.exited, null, `could not talk to codex app-server: ${errorMessage(error)}`);
    }
    const client = this.client;
    const files = trackFileChanges(client);
    client.onNotification((notification) => this.onNotification(notification));
    client.onServerRequest((handle) => this.onServerRequest(handle, (itemId) => files.lookup(itemId)));
    client.onClose(() => this.endWith?.({ kind: 'exit' }));
    let end: End;
    try {
      const prompt = await this.openThread(client);
      writeFileSync(this.files.prompt, prompt);
      if (this.stopping) throw new Error('stopped');
      await client.request('turn/start', { threadId: this.threadId ?? '', input: textInput(prompt) });
      end = await ended;
    } catch (error) {
      end = this.stopping ? { kind: 'exit' } : { kind: 'turn', status: 'failed', error: errorMessage(error) };
    }
    files.stop();
    this.desk.withdrawAll(this.stopping ? stoppedBecause(this.stopping) : 'the turn ended');
    this.endWith = null;
    await client.close();
    child.stop(this.stopping ?? 'finished');
    return this.conclude(await child.exited, end, null);
  }

  /** A new thread, or the task's recorded one continued (a retry, or a task cut short by a crash). */
  private async openThread(client: AppServerClient): Promise<string> {
    const sessionId = this.task.sessionId;
    if (this.followUp && sessionId) {
      try {
        await client.request('thread/resume', taskThreadResumeParams(sessionId));
        this.threadId = sessionId;
        this.event({ type: 'resume', sessionId });
        return followUpPrompt(this.ctx, this.task, this.followUp);
      } catch (error) {
        // Seen with 0.169.0: a thread whose first turn never started has nothing to resume.
        if (!(error instanceof AppServerRequestError)) throw error;
        this.event({ type: 'codex.warning', message: `could not resume thread ${sessionId} (${error.rpcMessage}); starting a new one` });
      }
    }
    const started = await client.request('thread/start', taskThreadStartParams());
    this.threadId = started.thread.id;
    this.task = this.ctx.tasks.update(this.task, { sessionId: started.thread.id });
    this.event({ type: 'codex.session', sessionId: started.thread.id });
    const prompt = taskPrompt(this.ctx, this.task);
    return this.followUp ? `${prompt}\n${followUpPrompt(this.ctx, this.task, this.followUp)}` : prompt;
  }

  private onNotification(notification: ServerNotification): void {
    this.process?.touch();
    for (const event of notificationEvents(notification)) {
      this.event(event);
      if (event.type === 'codex.error' || event.type === 'codex.turn_failed') this.lastError = event.message;
    }
    switch (notification.method) {
      case 'turn/started':
        this.activeTurn = notification.params.turn.id;
        // A turn begun from the TUI, or by `mcp send`, takes the task out of its wait.
        if (this.taskNow().status === 'waiting_input') {
          this.ctx.tasks.transition(this.taskNow(), 'running', { reason: null });
          this.process?.resumeIdle();
        }
        return;
      case 'turn/completed':
        this.activeTurn = null;
        this.lastMessage = lastAgentMessage(notification) ?? this.lastMessage;
        this.turnEnded(notification.params.turn.status, notification.params.turn.error?.message ?? null);
        return;
      case 'item/completed': {
        const id = this.answeredElsewhere.get(notification.params.item.id);
        if (id === undefined) return;
        this.answeredElsewhere.delete(notification.params.item.id);
        const status = (notification.params.item as { status?: string }).status;
        this.desk.answeredElsewhere(id, status === 'declined' ? 'decline' : 'accept', this.tuiDecider());
        return;
      }
      default:
        return;
    }
  }

  /**
   * An `exec` task is done when its turn completed. A turn interrupted by a person (Esc or
   * Ctrl-C in the TUI), or any turn of an interactive task, leaves the session waiting for
   * the next message instead.
   */
  private turnEnded(status: 'completed' | 'failed' | 'interrupted' | 'inProgress', error: string | null): void {
    if (this.stopping) return;
    if (!this.interactive && status !== 'interrupted') {
      this.endWith?.({ kind: 'turn', status, error });
      return;
    }
    this.writeLastMessage();
    const key = this.task.key;
    this.event({ type: 'input.waiting' });
    this.ctx.tasks.transition(this.taskNow(), 'waiting_input', {
      reason: `${status === 'failed' ? `the turn failed (${error ?? 'no reason given'}); ` : status === 'interrupted' ? 'the turn was interrupted; ' : ''}waiting for your message: mcp send ${key} "…", mcp attach ${key}, or mcp done ${key}`,
    });
    this.process?.pauseIdle();
    this.ctx.onWaiting({ task: this.taskNow(), kind: 'input', reason: error, answer: `mcp send ${key} "…" | mcp attach ${key} | mcp done ${key}` });
  }

  private taskNow() {
    return this.ctx.tasks.get(this.task.id) ?? this.task;
  }

  private onServerRequest(handle: ServerRequestHandle, files: (itemId: string) => { path: string }[] | undefined): void {
    this.process?.touch();
    const view = describeApproval(handle, files as never);
    if (!view) {
      refuseMachineRequest(handle);
      return;
    }
    const kind = KINDS[view.kind];
    const changed = view.itemId ? files(view.itemId)?.map((f) => f.path) : undefined;
    const { id } = this.desk.ask({
      kind,
      ...(kind === 'command' ? { command: view.summary } : {}),
      ...(kind === 'file_change' ? { files: changed ?? [view.summary] } : {}),
      cwd: view.cwd,
      reason: view.reason,
      decisions: view.answers.map((a) => FROM_CODEX[a]),
      deliver: (decision) => answerApproval(handle, TO_CODEX[decision]),
    });
    void handle.settled.then((state) => {
      if (state === 'closed') this.desk.withdraw(id, 'Codex no longer asks');
      else if (state === 'resolved' && view.itemId) this.answeredElsewhere.set(view.itemId, id);
      else if (state === 'resolved') this.desk.answeredElsewhere(id, 'accept', this.tuiDecider());
    });
  }

  override answerApproval(id: number | undefined, decision: ApprovalDecision, by: Decider): DecideResult {
    return this.desk.decide(id, decision, by);
  }

  /** More guidance for the session: joins the running turn, or starts the next one. */
  async send(text: string, by: Decider): Promise<{ ok: true; turn: 'steered' | 'started' } | { ok: false; error: string }> {
    const client = this.client;
    if (!client || !this.threadId) return { ok: false, error: `task ${this.task.id} has no Codex session yet` };
    try {
      if (this.activeTurn) {
        await client.request('turn/steer', { threadId: this.threadId, expectedTurnId: this.activeTurn, input: textInput(text) });
        this.event({ type: 'input.sent', text, by });
        return { ok: true, turn: 'steered' };
      }
      await client.request('turn/start', { threadId: this.threadId, input: textInput(text) });
      this.event({ type: 'input.sent', text, by });
      return { ok: true, turn: 'started' };
    } catch (error) {
      return { ok: false, error: `codex did not take the message: ${errorMessage(error)}` };
    }
  }

  /** The person ends a session that waits for input: the task succeeds with what it did. */
  done(): { ok: true } | { ok: false; error: string } {
    if (this.activeTurn) return { ok: false, error: `task ${this.task.id} is working on a turn; wait for it, or stop it with mcp kill` };
    if (!this.endWith) return { ok: false, error: `task ${this.task.id} has no session to end` };
    this.endWith({ kind: 'done' });
    return { ok: true };
  }

  /** `mcp kill`: the turn is interrupted first, then the process group stopped as for any task. */
  override stop(reason: 'killed' | 'timed_out'): void {
    if (this.stopping) return;
    this.stopping = reason;
    this.desk.withdrawAll(stoppedBecause(reason));
    const client = this.client;
    const stop = (): void => this.process?.stop(reason);
    if (!client?.isOpen || !this.threadId || !this.activeTurn) return stop();
    client.request('turn/interrupt', { threadId: this.threadId, turnId: this.activeTurn }, { timeoutMs: INTERRUPT_WAIT_MS }).then(stop, stop);
  }

  private writeLastMessage(): void {
    if (this.lastMessage !== null) writeFileSync(this.files.lastMessage, processMasker().maskText(this.lastMessage));
  }

  private conclude(exit: PtyExit, end: End | null, problem: string | null): TaskOutcome {
    const stopped = this.exited(exit);
    if (stopped) return { ...stopped, ...endedBy(exit), lastError: this.lastError };
    this.writeLastMessage();
    const base = { exitCode: exit.exitCode, signal: exit.signal, lastError: this.lastError };
    if (end?.kind === 'done' || (end?.kind === 'turn' && end.status === 'completed')) return { ...base, status: 'succeeded', reason: null };
    // The turn failed, not a process: the app-server's own exit code (mcp ended it) says nothing.
    if (end?.kind === 'turn') return { ...base, exitCode: null, signal: null, status: 'failed', reason: `codex turn ${end.status === 'failed' ? 'failed' : 'ended'}: ${end.error ?? end.status}` };
    return { ...base, status: 'failed', reason: `${problem ?? 'codex app-server ended before the turn did'} (${this.failure(exit, isCodexStderrNoise)})` };
  }
}
