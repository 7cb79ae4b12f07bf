import { writeFileSync } from 'node:fs';
import type { PtyExit } from '../../terminal/pty-process.js';
import { resolveExecutable } from '../../terminal/executable.js';
import { processMasker } from '../../terminal/process-masker.js';
import type { TaskOutcome } from '../scheduler.js';
import { tailOf } from '../task-files.js';
import { Attempt } from './attempt.js';

/** Output tail kept as a command task's "final message" for its dependents. */
const COMMAND_MESSAGE_TAIL_CHARS = 4_000;

/** A `command` task: an allow-listed argv in the task's PTY. */
export class CommandAttempt extends Attempt {
  protected async attempt(): Promise<TaskOutcome> {
    const argv = this.task.command ?? [];
    const program = argv[0] ?? '';
    if (!resolveExecutable(program, this.ctx.env.PATH ?? '')) {
      const reason = `command not found: ${JSON.stringify(program)} (not on PATH)`;
      this.event({ type: 'error', message: reason });
      return { status: 'failed', exitCode: null, signal: null, reason, retryable: false };
    }
    const exit = await this.spawn({ argv }).exited;
    const stopped = this.exited(exit);
    if (stopped) return stopped;
    this.writeMessage(exit);
    if (exit.exitCode === 0) return { status: 'succeeded', exitCode: 0, signal: null, reason: null };
    return { status: 'failed', exitCode: exit.exitCode, signal: exit.signal, reason: this.failure(exit) };
  }

  /** What dependents are told of a command: how it ended and the tail of its output. */
  private writeMessage(exit: PtyExit): void {
    const tail = tailOf(this.files.stdout, COMMAND_MESSAGE_TAIL_CHARS);
    const how = exit.exitCode !== null ? `exited with code ${exit.exitCode}` : `ended by ${exit.signal}`;
    const text = `\`${(this.task.command ?? []).join(' ')}\` ${how}.\n\n${tail ? `Output (tail):\n\n${tail}\n` : ''}`;
    writeFileSync(this.files.lastMessage, processMasker().maskText(text));
  }
}
