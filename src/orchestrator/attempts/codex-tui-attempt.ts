import { writeFileSync } from 'node:fs';
import { missingCodexMessage } from '../../agents/codex-binary.js';
import { codexInteractiveArgs, MAX_ARGV_PROMPT_BYTES } from '../../agents/codex-exec-args.js';
import { APPROVE_KEY, DENY_KEY, readCodexScreen, TRUST_KEY, type CodexScreenState } from '../../agents/codex-screen.js';
import type { Decider } from '../../domain/events.js';
import type { TaskOutcome } from '../scheduler.js';
import type { ApprovalAnswer } from './attempt-context.js';
import { Attempt } from './attempt.js';
import { taskPrompt } from './codex-prompt.js';

/** How often the trust prompt is answered again while it stays on screen. */
const TRUST_RETRY_MS = 1_000;
/** Seen with codex 0.169.0: an Enter sent with the paste is taken as part of it. */
const TUI_ENTER_DELAY_MS = 300;

/**
 * An interactive prompt task: the Codex TUI in the task's PTY, for `mcp attach`. Its state
 * (an approval asked, waiting for input) is read from its screen.
 */
export class CodexTuiAttempt extends Attempt {
  /** A prompt too long for argv, typed into the TUI once it waits for input. */
  private pendingPaste: string | null = null;
  private approvals = 0;
  private pendingApproval: { id: number; command: string } | null = null;
  private screenState: CodexScreenState['kind'] = 'unknown';

  protected async attempt(): Promise<TaskOutcome> {
    const codex = this.ctx.codex.path;
    if (!codex) {
      const reason = missingCodexMessage(this.ctx.codex);
      this.event({ type: 'error', message: reason });
      return { status: 'failed', exitCode: null, signal: null, reason, retryable: false };
    }
    const prompt = taskPrompt(this.ctx, this.task);
    writeFileSync(this.files.prompt, prompt);
    const fits = Buffer.byteLength(prompt) <= MAX_ARGV_PROMPT_BYTES;
    if (!fits) this.pendingPaste = prompt;
    const argv = [codex, ...codexInteractiveArgs({ workspace: this.task.workspace ?? this.files.workspace, trusted: [this.ctx.repo.top], prompt: fits ? prompt : null })];
    const exit = await this.spawn({ argv, onScreen: (lines) => this.onScreen(lines) }).exited;
    const stopped = this.exited(exit);
    if (stopped) return stopped;
    if (exit.exitCode === 0) return { status: 'succeeded', exitCode: 0, signal: null, reason: null };
    return { status: 'failed', exitCode: exit.exitCode, signal: exit.signal, reason: this.failure(exit) };
  }

  /** The TUI's state, read from its screen, becomes task state and events. */
  private onScreen(lines: string[]): void {
    const state = readCodexScreen(lines);
    if (state.kind === 'waiting_approval') {
      if (this.pendingApproval?.command === state.command) return;
      this.approvals += 1;
      this.pendingApproval = { id: this.approvals, command: state.command };
      this.event({ type: 'approval.requested', id: this.approvals, kind: 'command', command: state.command, reason: state.reason });
      this.task = this.ctx.tasks.transition(this.task, 'waiting_approval', { reason: `approval ${this.approvals} needed: $ ${state.command} (mcp approve ${this.task.key} [--deny])` });
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
    if (this.task.status === 'waiting_approval') this.task = this.ctx.tasks.transition(this.task, 'running', { reason: null });
    if (state.kind === 'waiting_input') {
      if (this.pendingPaste !== null) {
        const text = this.pendingPaste;
        this.pendingPaste = null;
        this.typeIntoTui(text);
        return;
      }
      this.event({ type: 'interactive.waiting_input' });
      this.task = this.ctx.tasks.update(this.task, { reason: `waiting for input: mcp attach ${this.task.key} to type, /quit to finish` });
    } else if (state.kind === 'working') {
      this.event({ type: 'interactive.working' });
      this.task = this.ctx.tasks.update(this.task, { reason: null });
    }
  }

  /** Seen with 0.169.0: a long message needs bracketed paste and an Enter sent a moment later. */
  private typeIntoTui(text: string): void {
    this.process?.write(`\u001b[200~${text}\u001b[201~`);
    setTimeout(() => this.process?.write('\r'), TUI_ENTER_DELAY_MS);
  }

  /** Answers Codex's approval prompt; the decision, who and when, goes to events.ndjson. */
  override answerApproval(id: number | undefined, approve: boolean, by: Decider): ApprovalAnswer {
    const pending = this.pendingApproval;
    if (!pending || this.task.status !== 'waiting_approval') return { ok: false, error: `task ${this.task.id} is not waiting for an approval` };
    if (id !== undefined && id !== pending.id) return { ok: false, error: `approval ${id} is not pending (approval ${pending.id} is: $ ${pending.command})` };
    this.process?.write(approve ? APPROVE_KEY : DENY_KEY);
    this.event({ type: 'approval.decided', id: pending.id, command: pending.command, decision: approve ? 'accept' : 'decline', by, at: new Date().toISOString() });
    this.task = this.ctx.tasks.transition(this.task, 'running', { reason: null });
    return { ok: true, id: pending.id, command: pending.command };
  }
}
