import { formatTime, printable } from './format.js';

/** One plain line for a task's change, as `mcp run --no-tty` prints it and `mcp logs RUN` retells it. */
export function taskChangeLine(at: string, key: string, to: string, reason: string | null, attempt: number): string {
  const extra = reason ? `  ${printable(reason)}` : to === 'running' && attempt > 1 ? `  attempt ${attempt}` : '';
  return `${formatTime(at)}  ${key.padEnd(16)} ${to}${extra}\n`;
}
