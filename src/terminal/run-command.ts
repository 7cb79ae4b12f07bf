import { execFile } from 'node:child_process';

export interface CommandResult {
  /** The exit code, or null when the command did not exit by itself (signal, timeout, no start). */
  code: number | null;
  /** The signal that ended it, when one did. */
  signal: string | null;
  /** Stopped by mcp because it outlived its time limit. */
  timedOut: boolean;
  /** It never ran (ENOENT, EACCES): why. */
  spawnError: string | null;
  stdout: string;
  stderr: string;
}

/** Internal bookkeeping commands (git) must never hang a run. */
const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;
/** Helper output (a diff of a large change) beyond this is a runaway, not a result. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Runs a short helper command without a PTY (git for workspaces and merges) and reports
 * how it ended, keeping an exit code, a signal, a timeout and a failed start apart;
 * task processes go through the TerminalManager instead.
 */
export function runCommand(
  argv: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string },
): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('runCommand: empty argv'));
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return new Promise((resolve) => {
    const child = execFile(file, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: timeoutMs, maxBuffer: MAX_OUTPUT_BYTES }, (error, stdout, stderr) => {
      const failure = error as (NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null }) | null;
      const exitCode = failure ? (typeof failure.code === 'number' ? failure.code : null) : 0;
      const spawnError = failure && typeof failure.code === 'string' && failure.syscall?.startsWith('spawn') ? failure.code : null;
      const overflow = failure?.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' ? `output over ${MAX_OUTPUT_BYTES} bytes\n` : '';
      resolve({
        code: exitCode,
        signal: failure?.signal ?? null,
        timedOut: Boolean(failure?.killed && failure.signal && exitCode === null && !overflow),
        spawnError,
        stdout: String(stdout),
        stderr: overflow + String(stderr),
      });
    });
    if (options.input !== undefined) {
      // A child that exits (or never starts) before reading all of it is reported by the callback, not as EPIPE.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    }
  });
}

/** How a helper command ended, for a person: "exited with code 128", "timed out after 120 s"… */
export function describeEnd(result: CommandResult, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): string {
  if (result.spawnError) return `could not start (${result.spawnError})`;
  if (result.timedOut) return `did not finish within ${timeoutMs / 1000} s and was stopped`;
  if (result.code === null) return `was ended by ${result.signal ?? 'a signal'}`;
  return `exited with code ${result.code}`;
}
