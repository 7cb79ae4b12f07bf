import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { codexExecArgs, codexInteractiveArgs, codexResumeArgs, MAX_ARGV_PROMPT_BYTES } from '../agents/codex-exec-args.js';
import { APPROVE_KEY, DENY_KEY, readCodexScreen, TRUST_KEY, type CodexScreenState } from '../agents/codex-screen.js';
import { isCodexStderrNoise, readCodexLine } from '../agents/codex-events.js';
import { missingCodexMessage, type CodexBinary } from '../agents/codex-binary.js';
import { composeTaskPrompt } from '../agents/task-prompt.js';
import { errorMessage, isDiskFull, McpError, SpawnRefusedError } from '../domain/errors.js';
import type { TaskState } from '../domain/task-state.js';
import type { RunRecord, TaskRecord, TaskPatch } from '../store/records.js';
import type { StateRoot, TaskFiles } from '../store/state-root.js';
import { EventLog, type EventFields } from '../terminal/event-log.js';
import { resolveExecutable } from '../terminal/executable.js';
import { readFileTail } from '../terminal/file-tail.js';
import { LineSplitter } from '../terminal/line-splitter.js';
import type { PtyExit, PtyProcess } from '../terminal/pty-process.js';
import type { TerminalManager } from '../terminal/terminal-manager.js';
import { processMasker } from '../terminal/process-masker.js';
import { isSensitive } from '../config/sensitive.js';
import { stripAnsi } from '../terminal/strip-ansi.js';
import { commitWorkspace, prepareWorkspace, type RunRepo } from '../workspace/workspace.js';

/** How much of a failed child's output a failure reason quotes. */
const REASON_TAIL_CHARS = 400;
/** How often the trust prompt is answered again while it stays on screen. */
const TRUST_RETRY_MS = 1_000;
/** Seen with codex 0.169.0: an Enter sent with the paste is taken as part of it. */
const TUI_ENTER_DELAY_MS = 300;
/** Output tail kept as a command task's "final message" for its dependents. */
const COMMAND_MESSAGE_TAIL_CHARS = 4_000;

export interface TaskRunContext {
  root: StateRoot;
  run: RunRecord;
  /** The repository the task's worktree comes from: the project's own, or the run's private one. */
  git: RunRepo;
  codex: CodexBinary;
  terminals: TerminalManager;
  /** Commands that need a human (git push, rm -rf, the config's patterns). */
  sensitive: readonly RegExp[];
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
  taskTimeoutMs: number | undefined;
  idleTimeoutMs: number | undefined;
  /** Writes the store, then tells listeners; the only way a task changes state. */
  transition(task: TaskRecord, status: TaskState, patch?: TaskPatch): TaskRecord;
  update(task: TaskRecord, patch: TaskPatch): TaskRecord;
  dependencies(task: TaskRecord): TaskRecord[];
}

export interface TaskOutcome {
  status: TaskState;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  /** False when another attempt cannot help (no codex binary, a refused or missing command). */
  retryable?: boolean;
}


/** A task's final message, or null when it left none. */
export function readLastMessage(root: StateRoot, taskId: string): string | null {
  return readIfExists(root.taskFiles(taskId).lastMessage);
}

function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Codex writes the final message itself; a secret it echoed is masked afterwards. */
function maskFileInPlace(file: string): void {
  const text = readIfExists(file);
  if (text === null) return;
  const masked = processMasker().maskText(text);
  if (masked !== text) writeFileSync(file, masked);
}

/** 1500 ms -> "1.5 s": a limit the user gave is quoted as given, never rounded. */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** The plain-text end of a log, read from its end: logs can be hundreds of megabytes. */
function tailOf(file: string, chars: number): string {
  // Escape sequences are stripped after reading, so read well beyond `chars` bytes.
  return stripAnsi(readFileTail(file, chars * 8).toString('utf8')).trim().slice(-chars);
}

/**
 * One attempt of one task: workspace, spawn in a PTY, events, outcome. Holds the live
 * process so the executor can stop it.
 */
export class TaskAttempt {
  private process: PtyProcess | null = null;
  private stopRequested: 'killed' | 'timed_out' | null = null;
  /** Sensitive commands Codex ran (or tried) in this exec attempt. */
  readonly sensitiveSeen: string[] = [];
  /** The last error Codex reported in this attempt, quoted to a retry. */
  lastError: string | null = null;
  private readonly events: EventLog;
  private readonly files: TaskFiles;

  /**
   * `retryPrompt`: this attempt follows a failed one; the Codex session is resumed with
   * this prompt (or, with no session recorded, started afresh with it appended).
   */
  constructor(
    private task: TaskRecord,
    private readonly ctx: TaskRunContext,
    private readonly retryPrompt: string | null = null,
  ) {
    this.files = ctx.root.taskFiles(task.id);
    mkdirSync(this.files.dir, { recursive: true });
    this.events = new EventLog(this.files.events, task.id, (message) => this.logFailed(message));
  }

  /** The first log of this attempt that could not be written (a full disk). */
  private logFailure: string | null = null;

  private logFailed(message: string): void {
    this.logFailure ??= message;
    this.process?.stop('log_failed');
  }

  /** The live PTY of this attempt, for viewers; null before the spawn and after the exit. */
  get pty(): PtyProcess | null {
    return this.process;
  }

  event(fields: EventFields): void {
    this.events.append(fields);
  }

  /** Stops the attempt; before the spawn, the attempt simply never starts. */
  stop(reason: 'killed' | 'timed_out'): void {
    this.stopRequested ??= reason;
    this.process?.stop(reason);
  }

  async run(): Promise<TaskOutcome> {
    try {
      return await this.runInner();
    } catch (error) {
      if (isDiskFull(error)) return this.diskFull(errorMessage(error));
      const reason = error instanceof McpError ? `${error.message}${error.hint ? ` (${error.hint})` : ''}` : `internal error: ${errorMessage(error)}`;
      this.event({ type: error instanceof SpawnRefusedError ? 'spawn.refused' : 'error', message: reason });
      return { status: 'failed', exitCode: null, signal: null, reason, retryable: !(error instanceof SpawnRefusedError) };
    } finally {
      this.events.close();
    }
  }

  private async runInner(): Promise<TaskOutcome> {
    const ctx = this.ctx;
    const task = this.task;
    const deps = ctx.dependencies(task);
    const cwd = await prepareWorkspace({
      repo: ctx.git,
      workspace: ctx.root.workspaceDir(task.id),
      branch: `mcp/${task.id}`,
      dependencies: deps.map((d) => ({ branch: `mcp/${d.id}` })),
    });
    // A private repository's branches are not the user's: the task shows none.
    this.task = ctx.update(task, { workspace: cwd, branch: ctx.git.private ? null : `mcp/${task.id}` });
    if (this.stopRequested) return this.stoppedBeforeSpawn();

    const argv = this.buildArgv(cwd, deps);
    if (typeof argv === 'string') {
      this.event({ type: 'error', message: argv });
      return { status: 'failed', exitCode: null, signal: null, reason: argv, retryable: false };
    }

    const timeoutMs = task.timeoutSeconds !== null ? task.timeoutSeconds * 1000 : ctx.taskTimeoutMs;
    const splitter = new LineSplitter((line) => this.onLine(line));
    let turnFailure: string | null = null;
    this.onFailure = (message) => (turnFailure = message);
    const child = ctx.terminals.spawn(task.id, {
      argv,
      cwd,
      env: { ...ctx.env, TERM: 'xterm-256color' },
      stdoutLog: this.files.stdout,
      stderrLog: this.files.stderr,
      stdinFile: task.kind === 'prompt' && !this.interactive ? this.files.prompt : undefined,
      timeoutMs,
      idleTimeoutMs: ctx.idleTimeoutMs,
      killGraceMs: ctx.killGraceMs,
      onData: task.kind === 'prompt' && !this.interactive ? (chunk) => splitter.push(chunk) : undefined,
      onScreen: this.interactive ? (lines) => this.onScreen(lines) : undefined,
    });
    this.process = child;
    this.task = ctx.update(this.task, { pid: child.pid, pidStart: child.pidStart });
    this.event({ type: 'started', pid: child.pid, argv, cwd, attempt: this.task.attempts });
    if (this.stopRequested) child.stop(this.stopRequested);

    const exit = await child.exited;
    splitter.end();
    this.event({ type: 'exit', exitCode: exit.exitCode, signal: exit.signal, bytes: exit.bytes, stoppedBy: exit.stoppedBy, ...(exit.logError ? { logError: exit.logError } : {}) });
    const logFailure = exit.logError ?? this.logFailure;
    if (logFailure) return this.diskFull(logFailure, exit);
    if (task.kind === 'command') this.writeCommandMessage(exit);
    else maskFileInPlace(this.files.lastMessage);
    return this.outcome(exit, turnFailure, cwd);
  }

  private onFailure: (message: string) => void = () => undefined;

  private get interactive(): boolean {
    return this.task.kind === 'prompt' && this.task.mode === 'interactive';
  }

  /** A prompt too long for argv, typed into the TUI once it waits for input. */
  private pendingPaste: string | null = null;
  private approvals = 0;
  private pendingApproval: { id: number; command: string } | null = null;
  private screenState: CodexScreenState['kind'] = 'unknown';

  /** The interactive TUI's state, read from its screen, becomes task state and events. */
  private onScreen(lines: string[]): void {
    const state = readCodexScreen(lines);
    if (state.kind === 'waiting_approval') {
      if (this.pendingApproval?.command === state.command) return;
      this.approvals += 1;
      this.pendingApproval = { id: this.approvals, command: state.command };
      this.event({ type: 'approval.requested', id: this.approvals, command: state.command, reason: state.reason });
      this.task = this.ctx.transition(this.task, 'waiting_approval', { reason: `approval ${this.approvals} needed: $ ${state.command} (mcp approve ${this.task.key} [--deny])` });
      this.screenState = state.kind;
      return;
    }
    if (state.kind === 'trust_prompt') {
      // Seen with 0.169.0 in a worktree of a git project: the trust config is not enough.
      if (this.screenState !== 'trust_prompt') this.event({ type: 'interactive.trusted', workspace: this.task.workspace });
      this.screenState = state.kind;
      this.process?.write(TRUST_KEY);
      // The TUI may not read keys yet when it first draws: ask again until the screen moves on.
      setTimeout(() => this.process?.recheckScreen(), TRUST_RETRY_MS);
      return;
    }
    if (state.kind === this.screenState) return;
    this.screenState = state.kind;
    this.pendingApproval = null;
    if (this.task.status === 'waiting_approval') this.task = this.ctx.transition(this.task, 'running', { reason: null });
    if (state.kind === 'waiting_input') {
      if (this.pendingPaste !== null) {
        const text = this.pendingPaste;
        this.pendingPaste = null;
        this.typeIntoTui(text);
        return;
      }
      this.event({ type: 'interactive.waiting_input' });
      this.task = this.ctx.update(this.task, { reason: `waiting for input: mcp attach ${this.task.key} to type, /quit to finish` });
    } else if (state.kind === 'working') {
      this.event({ type: 'interactive.working' });
      this.task = this.ctx.update(this.task, { reason: null });
    }
  }

  /** Seen with 0.169.0: a long message needs bracketed paste and an Enter sent a moment later. */
  private typeIntoTui(text: string): void {
    this.process?.write(`\u001b[200~${text}\u001b[201~`);
    setTimeout(() => this.process?.write('\r'), TUI_ENTER_DELAY_MS);
  }

  /** Answers Codex's approval prompt; the decision, who and when, goes to events.ndjson. */
  answerApproval(id: number | undefined, approve: boolean, by: string): { ok: true; id: number; command: string } | { ok: false; error: string } {
    const pending = this.pendingApproval;
    if (!pending || this.task.status !== 'waiting_approval') return { ok: false, error: `task ${this.task.id} is not waiting for an approval` };
    if (id !== undefined && id !== pending.id) return { ok: false, error: `approval ${id} is not pending (approval ${pending.id} is: $ ${pending.command})` };
    this.process?.write(approve ? APPROVE_KEY : DENY_KEY);
    this.event({ type: 'approval.decided', id: pending.id, command: pending.command, decision: approve ? 'approved' : 'denied', by, at: new Date().toISOString() });
    this.task = this.ctx.transition(this.task, 'running', { reason: null });
    return { ok: true, id: pending.id, command: pending.command };
  }

  private onLine(line: string): void {
    const result = readCodexLine(line);
    if (!result) return;
    if (result.event) this.event(result.event);
    if (result.sessionId && result.sessionId !== this.task.sessionId) {
      this.task = this.ctx.update(this.task, { sessionId: result.sessionId });
    }
    if (result.failure) this.onFailure(result.failure);
    if (result.event?.type === 'codex.error' || result.event?.type === 'codex.turn_failed') this.lastError = String(result.event.message ?? '');
    if (result.event?.type === 'codex.command_started' && isSensitive(String(result.event.command ?? ''), this.ctx.sensitive)) {
      const command = String(result.event.command);
      this.sensitiveSeen.push(command);
      this.event({ type: 'approval.needed', command, note: 'codex exec cannot ask for approval; run this step as an interactive task to approve it' });
    }
  }

  /** The attempt's output tail, plain text, for the retry prompt. */
  outputTail(chars: number): string {
    return tailOf(this.files.stdout, chars);
  }

  /** The argv to spawn, or the reason it cannot be spawned. */
  private buildArgv(cwd: string, deps: TaskRecord[]): string[] | string {
    const task = this.task;
    if (task.kind === 'command') {
      const command = task.command ?? [];
      const program = command[0] ?? '';
      if (!resolveExecutable(program, this.ctx.env.PATH ?? '')) return `command not found: ${JSON.stringify(program)} (not on PATH)`;
      return command;
    }
    if (!this.ctx.codex.path) return missingCodexMessage(this.ctx.codex);
    if (this.interactive) {
      const prompt = this.composedPrompt(deps);
      writeFileSync(this.files.prompt, prompt);
      const fits = Buffer.byteLength(prompt) <= MAX_ARGV_PROMPT_BYTES;
      if (!fits) this.pendingPaste = prompt;
      return [this.ctx.codex.path, ...codexInteractiveArgs({ workspace: cwd, trusted: [this.ctx.git.top], prompt: fits ? prompt : null })];
    }
    if (this.retryPrompt !== null && task.sessionId) {
      writeFileSync(this.files.prompt, this.retryPrompt);
      this.event({ type: 'resume', sessionId: task.sessionId });
      return [this.ctx.codex.path, ...codexResumeArgs({ sessionId: task.sessionId, lastMessageFile: this.files.lastMessage, sandbox: 'workspace-write' })];
    }
    const prompt = this.composedPrompt(deps);
    writeFileSync(this.files.prompt, this.retryPrompt !== null ? `${prompt}\n${this.retryPrompt}` : prompt);
    return [this.ctx.codex.path, ...codexExecArgs({ workspace: cwd, lastMessageFile: this.files.lastMessage })];
  }

  /** The task's prompt with the objective, its acceptance criteria and its dependencies' reports. */
  private composedPrompt(deps: TaskRecord[]): string {
    const task = this.task;
    return composeTaskPrompt({
      objective: this.ctx.run.objective,
      taskId: task.key,
      title: task.title,
      prompt: task.prompt ?? '',
      acceptance: task.acceptance,
      dependencies: deps.map((d) => ({ key: d.key, title: d.title, lastMessage: readLastMessage(this.ctx.root, d.id) })),
    });
  }

  private writeCommandMessage(exit: PtyExit): void {
    const tail = tailOf(this.files.stdout, COMMAND_MESSAGE_TAIL_CHARS);
    const how = exit.exitCode !== null ? `exited with code ${exit.exitCode}` : `ended by ${exit.signal}`;
    const text = `\`${(this.task.command ?? []).join(' ')}\` ${how}.\n\n${tail ? `Output (tail):\n\n${tail}\n` : ''}`;
    writeFileSync(this.files.lastMessage, processMasker().maskText(text));
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

  private stoppedBeforeSpawn(): TaskOutcome {
    const status = this.stopRequested ?? 'killed';
    return { status, exitCode: null, signal: null, reason: status === 'killed' ? 'killed before it started' : 'timed out before it started' };
  }

  private async outcome(exit: PtyExit, turnFailure: string | null, cwd: string): Promise<TaskOutcome> {
    const base = { exitCode: exit.exitCode, signal: exit.signal };
    if (exit.stoppedBy === 'killed') return { ...base, status: 'killed', reason: 'killed by user' };
    if (exit.stoppedBy === 'timed_out') return { ...base, status: 'timed_out', reason: 'task timeout reached' };
    if (exit.stoppedBy === 'idle') {
      return { ...base, status: 'timed_out', reason: `idle timeout: no output for ${formatSeconds(this.ctx.idleTimeoutMs ?? 0)}` };
    }
    if (exit.exitCode === 0 && !turnFailure) {
      if (existsSync(cwd)) {
        try {
          const committed = await commitWorkspace(cwd, `mcp: ${this.task.key}${this.task.title ? ` — ${this.task.title}` : ''}`);
          this.event({ type: 'committed', branch: `mcp/${this.task.id}`, changed: committed });
        } catch (error) {
          return { ...base, status: 'failed', reason: `could not commit the workspace: ${errorMessage(error)}` };
        }
      }
      const flagged = this.sensitiveSeen.length ? `needed a human for: ${this.sensitiveSeen.join('; ')} (codex exec cannot ask; use an interactive task)` : null;
      return { ...base, status: 'succeeded', reason: flagged };
    }
    const how = exit.exitCode !== null ? `exited with code ${exit.exitCode}` : `ended by ${exit.signal}`;
    const stderr = tailOf(this.files.stderr, REASON_TAIL_CHARS).split('\n').filter((l) => !isCodexStderrNoise(l)).slice(-2).join(' | ');
    const flagged = this.sensitiveSeen.length ? `; needed a human for: ${this.sensitiveSeen.join('; ')}` : '';
    const reason = (turnFailure ? `codex turn failed: ${turnFailure} (${how})` : `${how}${stderr ? `: ${stderr}` : ''}`) + flagged;
    return { ...base, status: 'failed', reason };
  }
}
