import { isDiskFull, isMcpError } from '../domain/errors.js';

/**
 * The one place errors become exit codes and text. A user sees one line with its hint;
 * a stack trace only with --debug or MCP_DEBUG=1, for bugs.
 */
export function reportError(error: unknown, debug: boolean): number {
  // A full disk fails every write at once: the command's own error and a stray one from a
  // task's bookkeeping can both arrive. The person reads one line, the first.
  if (reported !== null) return reported;
  reported = exitCodeOf(error);
  write(error, debug);
  return reported;
}

let reported: number | null = null;

function exitCodeOf(error: unknown): number {
  return isMcpError(error) ? error.exitCode : 1;
}

function write(error: unknown, debug: boolean): void {
  if (isMcpError(error)) {
    process.stderr.write(`mcp: ${oneLine(error.message)}${error.hint ? ` — ${oneLine(error.hint)}` : ''}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isDiskFull(error)) {
    process.stderr.write(`mcp: the disk is full (${oneLine(message)}); mcp stopped its tasks — free space, then finish unfinished runs with: mcp resume\n`);
    return;
  }
  process.stderr.write(`mcp: internal error: ${oneLine(message)} — run again with --debug for details, and report it\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}

/** Control characters from user input never reach the terminal raw. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 2000);
}

/**
 * A failure nobody awaited (a store write in the middle of a run, on a full disk) ends the
 * process the same way as any other error: one line, never a stack trace without --debug.
 * The running tasks are stopped on the way out (see terminal/pty-process.ts); the run stays
 * recorded as running, which is what `mcp resume` picks up.
 */
export function exitOnStrayErrors(debug: boolean): void {
  const die = (error: unknown): void => {
    process.exit(reportError(error, debug));
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}
