import { createWriteStream, type WriteStream } from 'node:fs';
import * as pty from 'node-pty';
import { processStartTime, signalGroup } from './process-info.js';

/** A terminal wide enough that Codex and build tools do not wrap every line. */
export const DEFAULT_COLS = 160;
export const DEFAULT_ROWS = 48;

/**
 * A PTY has one output stream, so the child's stderr would be mixed into stdout.log.
 * The child is started through `sh`, which redirects fd 2 to stderr.log (and, when a
 * prompt file is given, fd 0 from it) and then `exec`s the real program, so the PID we
 * record is the program itself and its process group is the PTY's session.
 */
const WRAPPER_WITH_STDIN = 'err=$1; in=$2; shift 2; exec "$@" 2>>"$err" <"$in"';
const WRAPPER = 'err=$1; shift; exec "$@" 2>>"$err"';

export interface PtyProcessOptions {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdoutLog: string;
  stderrLog: string;
  /** A file fed to the child's stdin (prompts can be larger than one argv string may be). */
  stdinFile?: string;
  /** Wall-clock limit; on expiry the group gets SIGTERM then SIGKILL. */
  timeoutMs?: number;
  /** Stop the child when it prints nothing for this long (a hung model or tool). */
  idleTimeoutMs?: number;
  killGraceMs: number;
  cols?: number;
  rows?: number;
  /** Every chunk of PTY output, after it was queued for stdout.log. */
  onData?: (chunk: Buffer) => void;
}

export type StopReason = 'killed' | 'timed_out' | 'idle';

export interface PtyExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when mcp stopped the process, and why. */
  stoppedBy: StopReason | null;
  bytes: number;
}

const SIGNAL_NAMES: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 15: 'SIGTERM' };

/** One child process in its own PTY, its output appended raw to stdout.log. */
export class PtyProcess {
  readonly pid: number;
  readonly pidStart: string | null;
  private readonly term: pty.IPty;
  private readonly log: WriteStream;
  private stoppedBy: StopReason | null = null;
  private killTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private bytes = 0;
  private paused = false;
  readonly exited: Promise<PtyExit>;

  constructor(private readonly options: PtyProcessOptions) {
    this.log = createWriteStream(options.stdoutLog, { flags: 'a' });
    const wrapperArgs = options.stdinFile
      ? ['-c', WRAPPER_WITH_STDIN, 'mcp-task', options.stderrLog, options.stdinFile, ...options.argv]
      : ['-c', WRAPPER, 'mcp-task', options.stderrLog, ...options.argv];
    this.term = pty.spawn('/bin/sh', wrapperArgs, {
      name: 'xterm-256color',
      cols: options.cols ?? DEFAULT_COLS,
      rows: options.rows ?? DEFAULT_ROWS,
      cwd: options.cwd,
      env: options.env as Record<string, string>,
      // Raw bytes: stdout.log must hold exactly what the program wrote, even mid-UTF-8.
      encoding: null,
    });
    this.pid = this.term.pid;
    this.pidStart = processStartTime(this.pid);
    this.term.onData((data: string | Buffer) => this.handleData(typeof data === 'string' ? Buffer.from(data) : data));
    this.exited = new Promise<PtyExit>((resolve) => {
      this.term.onExit(({ exitCode, signal }) => {
        clearTimeout(this.killTimer);
        clearTimeout(this.timeoutTimer);
        clearTimeout(this.idleTimer);
        this.log.end(() =>
          resolve({
            exitCode: signal ? null : exitCode,
            signal: signal ? (SIGNAL_NAMES[signal] ?? `signal ${signal}`) : null,
            stoppedBy: this.stoppedBy,
            bytes: this.bytes,
          }),
        );
      });
    });
    if (options.timeoutMs !== undefined) {
      this.timeoutTimer = setTimeout(() => this.stop('timed_out'), options.timeoutMs);
    }
    this.armIdleTimer();
  }

  private armIdleTimer(): void {
    const ms = this.options.idleTimeoutMs;
    if (ms === undefined || this.stoppedBy) return;
    // refresh() re-arms the same timer: cheap enough to do on every chunk of output.
    if (this.idleTimer) this.idleTimer.refresh();
    else this.idleTimer = setTimeout(() => this.stop('idle'), ms);
  }

  private handleData(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.armIdleTimer();
    // Back-pressure instead of buffering without bound: a child printing faster than the
    // disk takes it is paused (the kernel's PTY buffer then blocks its writes), never dropped.
    if (!this.log.write(chunk) && !this.paused) {
      this.paused = true;
      this.term.pause();
      this.log.once('drain', () => {
        this.paused = false;
        this.term.resume();
      });
    }
    this.options.onData?.(chunk);
  }

  write(data: string): void {
    this.term.write(data);
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /** SIGTERM to the process group, SIGKILL after the grace period if it is still there. */
  stop(reason: StopReason): void {
    if (this.stoppedBy) return;
    this.stoppedBy = reason;
    clearTimeout(this.idleTimer);
    signalGroup(this.pid, 'SIGTERM');
    this.killTimer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), this.options.killGraceMs);
  }
}
