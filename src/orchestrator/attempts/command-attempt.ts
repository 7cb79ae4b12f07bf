import { writeFileSync } from 'node:fs';
import { sensitiveMatch } from '../../config/sensitive.js';
import type { PtyExit } from '../../terminal/pty-process.js';
import { resolveExecutable } from '../../terminal/executable.js';
import { processMasker } from '../../terminal/process-masker.js';
import type { TaskOutcome } from '../scheduler.js';
import { tailOf } from '../task-files.js';
import type { ApprovalDecision, Decider } from '../../domain/events.js';
import { ApprovalDesk, type DecideResult } from './approval-desk.js';
import { stoppedBecause } from '../withdraw-approvals.js';
import { Attempt } from './attempt.js';

/** Output tail kept as a command task's "final message" for its dependents. */
const COMMAND_MESSAGE_TAIL_CHARS = 4_000;

/**
 * A `command` task: an allow-listed argv in the task's PTY. One that matches a sensitive
 * pattern (git push, rm -rf, the config's) waits for a person before it is spawned.
 */
export class CommandAttempt extends Attempt {
  private readonly desk: ApprovalDesk;
  private stopped: 'killed' | 'timed_out' | null = null;

  constructor(...args: ConstructorParameters<typeof Attempt>) {
    super(...args);
    this.desk = this.approvalDesk(false);
  }

  protected async attempt(): Promise<TaskOutcome> {
    const argv = this.task.command ?? [];
    const program = argv[0] ?? '';
    if (!resolveExecutable(program, this.ctx.env.PATH ?? '')) {
      const reason = `command not found: ${JSON.stringify(program)} (not on PATH)`;
      this.event({ type: 'error', message: reason });
      return { status: 'failed', exitCode: null, signal: null, reason, retryable: false };
    }
    const refused = await this.approved(argv);
    if (refused) return refused;
    const exit = await this.spawn({ argv }).exited;
    const stopped = this.exited(exit);
    if (stopped) return stopped;
    this.writeMessage(exit);
    if (exit.exitCode === 0) return { status: 'succeeded', exitCode: 0, signal: null, reason: null };
    return { status: 'failed', exitCode: exit.exitCode, signal: exit.signal, reason: this.failure(exit) };
  }

  /** A sensitive command waits for its answer; null when it may run, else how the attempt ends. */
  private async approved(argv: string[]): Promise<TaskOutcome | null> {
    const command = argv.join(' ');
    const sensitive = sensitiveMatch(this.ctx.sensitive, argv);
    if (!sensitive) return null;
    const { outcome } = this.desk.ask({ kind: 'command', command, cwd: this.task.workspace, reason: `a sensitive command: ${sensitive.label}`, deliver: () => true, decisions: ['accept', 'decline'] });
    const answer = await outcome;
    if (this.stopped || !answer) {
      const status = this.stopped ?? 'killed';
      return { status, exitCode: null, signal: null, reason: status === 'killed' ? 'killed by user while waiting for approval' : 'timed out while waiting for approval' };
    }
    if (answer.decision === 'accept' || answer.decision === 'accept_for_session') return null;
    const who = answer.by.kind === 'rule' ? `the rule "${answer.by.rule}"` : answer.by.user;
    const reason = `denied by ${who}: $ ${command}`;
    this.event({ type: 'error', message: reason });
    return { status: 'failed', exitCode: null, signal: null, reason, retryable: false };
  }

  override answerApproval(id: number | undefined, decision: ApprovalDecision, by: Decider): DecideResult {
    return this.desk.decide(id, decision, by);
  }

  override stop(reason: 'killed' | 'timed_out'): void {
    this.stopped ??= reason;
    this.desk.withdrawAll(stoppedBecause(reason));
    super.stop(reason);
  }

  /** What dependents are told of a command: how it ended and the tail of its output. */
  private writeMessage(exit: PtyExit): void {
    const tail = tailOf(this.files.stdout, COMMAND_MESSAGE_TAIL_CHARS);
    const how = exit.exitCode !== null ? `exited with code ${exit.exitCode}` : `ended by ${exit.signal}`;
    const text = `\`${(this.task.command ?? []).join(' ')}\` ${how}.\n\n${tail ? `Output (tail):\n\n${tail}\n` : ''}`;
    writeFileSync(this.files.lastMessage, processMasker().maskText(text));
  }
}
