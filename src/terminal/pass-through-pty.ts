import { nodePty } from './node-pty.js';
import { signalGroup } from './process-info.js';

export interface PassThroughResult {
  exitCode: number | null;
  signal: number | null;
  /** The person pressed the detach key: the program was ended, not finished. */
  detached: boolean;
}

/**
 * Runs a program in a PTY of its own and hands it this terminal (raw keys, size), as if it
 * ran here, except for one key: `detachKey` ends the program instead of reaching it. For
 * the Codex TUI on a task's thread, ending the TUI's process (never Ctrl-C, which Codex
 * takes as "interrupt the turn") leaves the task running.
 */
export function passThrough(argv: string[], options: { cwd: string; env: NodeJS.ProcessEnv; detachKey: number; signal?: AbortSignal }): Promise<PassThroughResult> {
  const [file, ...args] = argv;
  const stdin = process.stdin;
  const out = process.stdout;
  const term = nodePty().spawn(file ?? '', args, { name: 'xterm-256color', cols: out.columns || 120, rows: out.rows || 40, cwd: options.cwd, env: options.env as Record<string, string> });
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  let detached = false;
  const onKey = (data: Buffer): void => {
    const at = data.indexOf(options.detachKey);
    // Bytes, not text: a character split across two reads must reach the program whole.
    if (at === -1) return term.write(data);
    if (at > 0) term.write(data.subarray(0, at));
    detached = true;
    // The whole group: on Node 20 the codex launcher is a separate process from the TUI.
    signalGroup(term.pid, 'SIGHUP');
  };
  const onResize = (): void => {
    if (out.columns && out.rows) term.resize(out.columns, out.rows);
  };
  // What the program shows has ended elsewhere (the task it looks at is over): it is ended like a detach.
  const onAbort = (): void => void signalGroup(term.pid, 'SIGHUP');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  term.onData((data) => out.write(data));
  stdin.on('data', onKey);
  stdin.resume();
  out.on('resize', onResize);
  return new Promise((resolve) => {
    term.onExit(({ exitCode, signal }) => {
      options.signal?.removeEventListener('abort', onAbort);
      stdin.off('data', onKey);
      out.off('resize', onResize);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      resolve({ exitCode: signal ? null : exitCode, signal: signal ?? null, detached });
    });
  });
}
