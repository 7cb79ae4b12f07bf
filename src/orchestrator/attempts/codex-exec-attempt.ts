import { writeFileSync } from 'node:fs';
import { missingCodexMessage } from '../../agents/codex-binary.js';
import { isCodexStderrNoise } from '../../agents/codex-events.js';
import { codexExecArgs, codexResumeArgs } from '../../agents/codex-exec-args.js';
import { isSensitive } from '../../config/sensitive.js';
import { runExecTurn } from '../codex-exec-turn.js';
import type { TaskOutcome } from '../scheduler.js';
import { maskFileInPlace } from '../task-files.js';
import { Attempt } from './attempt.js';
import { followUpPrompt, taskPrompt } from './codex-prompt.js';

/**
 * A prompt task as one `codex exec --json` turn; a retry or a resumed task continues its
 * Codex session (`codex exec resume`) with what happened.
 */
export class CodexExecAttempt extends Attempt {
  /** Sensitive commands Codex ran in this attempt: codex exec cannot ask anyone first. */
  private readonly sensitiveSeen: string[] = [];

  protected async attempt(): Promise<TaskOutcome> {
    const codex = this.ctx.codex.path;
    if (!codex) {
      const reason = missingCodexMessage(this.ctx.codex);
      this.event({ type: 'error', message: reason });
      return { status: 'failed', exitCode: null, signal: null, reason, retryable: false };
    }
    const argv = [codex, ...this.arguments()];
    const turn = await runExecTurn({
      terminals: this.ctx.terminals,
      id: this.task.id,
      argv,
      cwd: this.task.workspace ?? this.files.workspace,
      env: this.ctx.env,
      stdoutLog: this.files.stdout,
      stderrLog: this.files.stderr,
      promptFile: this.files.prompt,
      timeoutMs: this.timeoutMs,
      idleTimeoutMs: this.ctx.idleTimeoutMs,
      killGraceMs: this.ctx.killGraceMs,
      onSpawn: (child) => this.started(child, argv, this.task.workspace ?? this.files.workspace),
      onSession: (sessionId) => (this.task = this.ctx.tasks.update(this.task, { sessionId })),
      onEvent: (event) => {
        this.event(event);
        if (event.type === 'codex.command_started' && isSensitive(event.command, this.ctx.sensitive)) {
          this.sensitiveSeen.push(event.command);
          this.event({ type: 'approval.needed', command: event.command, note: 'codex exec cannot ask for approval; run this step as an interactive task to approve it' });
        }
      },
    });
    const stopped = this.exited(turn.exit);
    if (stopped) return { ...stopped, lastError: turn.lastError };
    maskFileInPlace(this.files.lastMessage);
    const flagged = this.sensitiveSeen.length ? `needed a human for: ${this.sensitiveSeen.join('; ')}` : null;
    if (turn.exit.exitCode === 0 && !turn.failure) {
      return { status: 'succeeded', exitCode: 0, signal: null, reason: flagged ? `${flagged} (codex exec cannot ask; use an interactive task)` : null };
    }
    const how = turn.exit.exitCode !== null ? `exited with code ${turn.exit.exitCode}` : `ended by ${turn.exit.signal}`;
    const reason = (turn.failure ? `codex turn failed: ${turn.failure} (${how})` : this.failure(turn.exit, isCodexStderrNoise)) + (flagged ? `; ${flagged}` : '');
    return { status: 'failed', exitCode: turn.exit.exitCode, signal: turn.exit.signal, reason, lastError: turn.lastError };
  }

  /** Writes the prompt file and returns Codex's arguments: a new session, or the recorded one resumed. */
  private arguments(): string[] {
    const followUp = this.followUp;
    const sessionId = this.task.sessionId;
    if (followUp && sessionId) {
      writeFileSync(this.files.prompt, followUpPrompt(this.ctx, this.task, followUp));
      this.event({ type: 'resume', sessionId });
      return codexResumeArgs({ sessionId, lastMessageFile: this.files.lastMessage, sandbox: 'workspace-write' });
    }
    const prompt = taskPrompt(this.ctx, this.task);
    writeFileSync(this.files.prompt, followUp ? `${prompt}\n${followUpPrompt(this.ctx, this.task, followUp)}` : prompt);
    return codexExecArgs({ workspace: this.task.workspace ?? this.files.workspace, lastMessageFile: this.files.lastMessage });
  }
}
