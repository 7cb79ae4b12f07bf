import { closeSync, constants, createWriteStream, open, openSync, readSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import path from 'node:path';
import { FifoPool } from './fifo-pool.js';
import { nodePty, type IPty } from './node-pty.js';
import { processStartTime, signalGroup } from './process-info.js';
import { MaskingStream } from './masking-stream.js';
import { OutputLog } from './output-log.js';
import { processMasker } from './process-masker.js';
import { ScreenReplay, type ScreenSnapshot } from './screen-replay.js';

/** A terminal wide enough that Codex and build tools do not wrap every line. */
export const DEFAULT_COLS = 160;
export const DEFAULT_ROWS = 48;

/**
 * A PTY has one output stream, so the child's stderr would be mixed into stdout.log.
 * The child is started through `sh`, which points fd 2 at a FIFO (and, when a prompt
 * file is given, fd 0 at it) and then `exec`s the real program, so the PID we record is
 * the program itself and its process group is the PTY's session. We read the FIFO, mask
 * secrets, and append to stderr.log: the child never writes a log file directly.
 * fd 9 keeps a handle on the PTY for the program's whole life: GNU tools close stdout
 * before they exit, and with stdin and stderr elsewhere that closed the PTY's last handle;
 * node-pty then closed the master and the hangup killed the exiting child with SIGHUP.
 */
const WRAPPER_WITH_STDIN = 'err=$1; in=$2; shift 2; exec "$@" 2>"$err" <"$in" 9>&1';
const WRAPPER = 'err=$1; shift; exec "$@" 2>"$err" 9>&1';
/**
 * A held process (see `PtyProcessOptions.held`) waits before the `exec`, once its stderr is
 * on the FIFO (the FIFO's reader opens in the thread pool and must not wait there for as
 * long as the process is held), for a line on a second FIFO, its gate. It starts in `/` and
 * moves to its working directory once released: it is held while that directory (a task's
 * workspace) is being made.
 * A read, not a SIGSTOP: under a tracer (strace, gdb) a stopped shell shows as `t`, as every
 * syscall-stop does, so a release could not tell a shell that had stopped itself from one on
 * its way there, and a SIGCONT sent too early is lost. mcp keeps the gate's write end open
 * for the process's whole life: the line waits in the FIFO however late the shell opens it,
 * and if mcp dies first the shell reads end of file and exits without running anything.
 */
const HELD_WRAPPER_WITH_STDIN = 'err=$1; dir=$2; gate=$3; in=$4; shift 4; exec 2>"$err" <"$in"; read -r go <"$gate" || exit 125; cd "$dir" || exit 126; exec "$@" 9>&1';
const HELD_WRAPPER = 'err=$1; dir=$2; gate=$3; shift 3; exec 2>"$err"; read -r go <"$gate" || exit 125; cd "$dir" || exit 126; exec "$@" 9>&1';
/**
 * The PTY is paused only when this much of stdout.log is waiting to be written (it waits only
 * once the disk was slow, see OutputLog): node-pty destroys its socket 200 ms after the child
 * exits, so a PTY paused at that moment would lose the child's last output. Pausing is
 * memory protection for a stalled disk, nothing more.
 */
const PAUSE_ABOVE_BYTES = 32 * 1024 * 1024;
/**
 * What one burst takes from the master fd after a 'data' event (see `readBurst`), the event's
 * own chunk included: about 64 reads. 64 KiB bursts left the 200 MiB flood at 2.5 s through
 * the PTY, 256 KiB at 1.6 s; 1 MiB gained nothing more, and holds the event loop longer.
 */
const BURST_BYTES = 256 * 1024;
/** What one read asks for: a PTY master gives at most 4 KiB (its line discipline's buffer). */
const PTY_READ_BYTES = 4096;
/**
 * A burst that has read this much is a flood: the child writes faster than one read at a
 * time drains, and a read that finds nothing means the kernel has not moved the next 4 KiB
 * to the master yet, not that the child is done.
 */
const FLOOD_BYTES = 64 * 1024;
/**
 * How many empty reads a flood's burst tries before it goes back to the event loop. Going
 * back costs a wake-up through epoll for the next 4 KiB, and the child waits on a full PTY
 * meanwhile: retrying took the 200 MiB flood from 2.1 to 1.85 s through the PTY. An empty
 * read costs about 9 µs here, so a burst waits at most about half a millisecond for output
 * that does not come.
 */
const FLOOD_EMPTY_READS = 50;
/**
 * Where a burst is read to when something keeps what was read (a listener, a log gone
 * asynchronous). An arena is never read into twice, so a piece that needs no masking goes on
 * as a view of it, not a copy; a full one is left to the views that still hold it, and the
 * next reads go to a new one.
 */
const ARENA_BYTES = 256 * 1024;
let arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
let arenaAt = 0;
/**
 * Where a burst's reads go when nothing keeps what was read once it is in stdout.log (no
 * listener, a synchronous log; masking keeps copies): the same memory, read into again and
 * again. Fresh arenas cost their pages' faults and unmapping, about 50,000 of them in the
 * 200 MiB flood, and left up to 30 MiB of spent arenas to the garbage collector.
 */
const scratch = Buffer.allocUnsafeSlow(64 * 1024);
/** After the child exits, how long stderr may still drain (descendants can hold it open). */
const STDERR_DRAIN_MS = 500;

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
  /**
   * Start the PTY and its shell now, but the program only at `release()`: forking from a
   * large process costs tens of milliseconds on a busy machine, and a task's slot should
   * not wait for it. Timers start at the release; `cwd` need not exist before it.
   */
  held?: boolean;
}

/**
 * `log_failed`: stdout.log or stderr.log could not be written (a full disk); output would be
 * lost. `finished`: its work is done and mcp ends it (an app-server after its last turn).
 */
export type StopReason = 'killed' | 'timed_out' | 'idle' | 'log_failed' | 'finished';

export interface PtyExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when mcp stopped the process, and why. */
  stoppedBy: StopReason | null;
  bytes: number;
  /** The first failed write to stdout.log or stderr.log, e.g. `stdout.log: ENOSPC: no space left on device, write`. */
  logError: string | null;
}

/**
 * Children still running. node-pty's exit watcher is a thread that the runtime joins when
 * this process exits: a child blocked on a PTY nobody reads any more would hang a dying
 * mcp forever. Whatever ends the process, its children go first.
 */
const running = new Set<PtyProcess>();
let exitGuard = false;
function guardExit(): void {
  if (exitGuard) return;
  exitGuard = true;
  process.on('exit', () => {
    for (const child of running) signalGroup(child.pid, 'SIGKILL');
    fifos.dispose();
  });
}

/** Where the children's stderr FIFOs come from (one pool per process). */
const fifos = new FifoPool();

const SIGNAL_NAMES: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 15: 'SIGTERM' };

/** What `stop()` sends first; a process that catches it and exits by itself ended by it all the same. */
export const STOP_SIGNAL = 'SIGTERM';

/** Gets each chunk of output and where the replay stands after it (ScreenSnapshot.position). */
export type Viewer = (chunk: Buffer, position: number) => void;

/** One child process in its own PTY, its output appended raw to stdout.log. */
export class PtyProcess {
  readonly pid: number;
  readonly pidStart: string | null;
  private readonly term: IPty;
  private readonly log: OutputLog;
  private readonly mask = new MaskingStream(processMasker());
  private readonly viewers = new Set<Viewer>();
  private replay: ScreenReplay | null = null;
  private cols: number;
  private rows: number;
  private stoppedBy: StopReason | null = null;
  private idlePaused = false;
  private killTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private bytes = 0;
  private paused = false;
  private logError: string | null = null;
  private held: boolean;
  /** A held process's gate (see HELD_WRAPPER) and mcp's write end of it, open until the process ends. */
  private gate: { fifo: string; fd: number } | null = null;
  readonly exited: Promise<PtyExit>;

  /** A copy: `release` sets the limits of a held process. */
  private readonly options: PtyProcessOptions;

  constructor(options: PtyProcessOptions) {
    this.options = { ...options };
    this.cols = options.cols ?? DEFAULT_COLS;
    this.rows = options.rows ?? DEFAULT_ROWS;
    this.log = new OutputLog(options.stdoutLog, (error) => this.failLog(options.stdoutLog, error));
    const fifo = fifos.take();
    // stderr is output too: a task that only logs there is not idle.
    const stderr = pipeStderr(fifo, options.stderrLog, (error) => this.failLog(options.stderrLog, error), () => this.armIdleTimer());
    const stderrDone = stderr.done;
    this.held = options.held === true;
    const stdin = options.stdinFile ? [options.stdinFile] : [];
    const wrapper = this.held ? (stdin.length ? HELD_WRAPPER_WITH_STDIN : HELD_WRAPPER) : stdin.length ? WRAPPER_WITH_STDIN : WRAPPER;
    try {
      if (this.held) this.gate = openGate();
      // In the order the wrapper shifts them: stderr's FIFO, a held one's directory and gate, stdin's file.
      const wrapperArgs = ['-c', wrapper, 'mcp-task', fifo, ...(this.gate ? [options.cwd, this.gate.fifo] : []), ...stdin, ...options.argv];
      this.term = nodePty().spawn('/bin/sh', wrapperArgs, {
        name: 'xterm-256color',
        cols: this.cols,
        rows: this.rows,
        cwd: this.held ? '/' : options.cwd,
        env: options.env as Record<string, string>,
        // Raw bytes: stdout.log must hold exactly what the program wrote, even mid-UTF-8.
        encoding: null,
      });
    } catch (error) {
      unblockFifo(fifo);
      void stderrDone.then(() => fifos.give(fifo));
      this.closeGate();
      this.log.end(() => undefined);
      throw error;
    }
    this.pid = this.term.pid;
    guardExit();
    running.add(this);
    this.keepOutputAtExit();
    this.pidStart = processStartTime(this.pid);
    const { _fd: fd, _socket: socket } = this.term as unknown as { _fd?: number; _socket?: { readableLength?: number } };
    const canBurst = typeof fd === 'number' && typeof socket?.readableLength === 'number';
    this.term.onData((data: string | Buffer) => {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      // Output the stream still holds (it was paused) comes before what the kernel holds.
      if (canBurst && socket!.readableLength === 0) {
        this.handleBurst(fd!, chunk);
      } else {
        this.handleData(chunk.length, [this.mask.push(chunk)]);
      }
    });
    this.exited = new Promise<PtyExit>((resolve) => {
      this.term.onExit(({ exitCode, signal }) => {
        running.delete(this);
        clearTimeout(this.killTimer);
        clearTimeout(this.timeoutTimer);
        clearTimeout(this.idleTimer);
        this.closeGate();
        const rest = this.mask.end();
        if (rest.length > 0 && !this.logError) this.log.write(rest);
        // A shell killed before it opened its stderr (a held one, discarded) leaves the reader
        // blocked in the thread pool for good, one of its four threads with it.
        if (!stderr.opened()) unblockFifo(fifo);
        // unref: a drain that ended in time must not keep the process alive for the rest of the wait.
        const drained = Promise.race([stderrDone.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), STDERR_DRAIN_MS).unref())]);
        const finish = (): void =>
          void drained.then((closed) => {
            // A FIFO a leftover descendant still writes to is not handed to the next task.
            if (closed) fifos.give(fifo);
            else fifos.discard(fifo);
            resolve({
              exitCode: signal ? null : exitCode,
              signal: signal ? (SIGNAL_NAMES[signal] ?? `signal ${signal}`) : null,
              stoppedBy: this.stoppedBy,
              bytes: this.bytes,
              logError: this.logError,
            });
          });
        this.log.end(finish);
      });
    });
    if (!this.held) this.startTimers();
  }

  private startTimers(): void {
    if (this.options.timeoutMs !== undefined) {
      this.timeoutTimer = setTimeout(() => this.stop('timed_out'), this.options.timeoutMs);
    }
    this.armIdleTimer();
  }

  /** What the process was started with (a held one is released only for the same). */
  get launch(): PtyProcessOptions {
    return this.options;
  }

  /**
   * Lets a held process `exec` its program, with these limits from now on: the line its
   * shell waits for goes into the gate, where it waits if the shell has not opened it yet.
   */
  release(limits: Pick<PtyProcessOptions, 'timeoutMs' | 'idleTimeoutMs'>): void {
    if (!this.held) return;
    this.held = false;
    this.options.timeoutMs = limits.timeoutMs;
    this.options.idleTimeoutMs = limits.idleTimeoutMs;
    if (this.stoppedBy || !this.gate) return;
    writeSync(this.gate.fd, '\n');
    this.startTimers();
  }

  /** Once the process is gone (or never started): nobody else holds the gate, so it can be reused. */
  private closeGate(): void {
    if (!this.gate) return;
    closeSync(this.gate.fd);
    fifos.give(this.gate.fifo);
    this.gate = null;
  }

  /**
   * node-pty 1.1.0 destroys the PTY socket 200 ms after the child exits when it has not
   * closed by itself, dropping whatever output the kernel still holds (seen here: 1 KB of
   * a 200 MB stream lost on a busy machine). Before that destroy, the rest is read
   * synchronously from the master fd (non-blocking: it stops at EAGAIN or EIO), so every
   * byte the child wrote reaches stdout.log. This leans on two private fields of the
   * pinned node-pty version; without them it does nothing.
   */
  private keepOutputAtExit(): void {
    const internals = this.term as unknown as { _socket?: { destroy: (...args: unknown[]) => unknown; read: () => unknown }; _fd?: number };
    const socket = internals._socket;
    const fd = internals._fd;
    if (!socket || typeof fd !== 'number') return;
    const destroy = socket.destroy.bind(socket);
    socket.destroy = (...args: unknown[]) => {
      // First what the stream already holds (read() emits it as 'data', to our handler),
      // then what the kernel still holds.
      while (socket.read() !== null);
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = readMaster(fd, buffer, 0, buffer.length);
        if (n <= 0) break;
        this.handleData(n, [this.mask.push(Buffer.from(buffer.subarray(0, n)))]);
      }
      return destroy(...args);
    };
  }

  /**
   * Activity seen somewhere else than in the PTY (an app-server talks on its socket): the
   * process is not idle.
   */
  touch(): void {
    this.armIdleTimer();
  }

  /**
   * While a person is asked something, silence is theirs, not the process's: the idle timer
   * stops until `resumeIdle`.
   */
  pauseIdle(): void {
    this.idlePaused = true;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  resumeIdle(): void {
    this.idlePaused = false;
    this.armIdleTimer();
  }

  private armIdleTimer(): void {
    const ms = this.options.idleTimeoutMs;
    if (ms === undefined || this.stoppedBy || this.idlePaused) return;
    // refresh() re-arms the same timer: cheap enough to do on every chunk of output.
    if (this.idleTimer) this.idleTimer.refresh();
    else this.idleTimer = setTimeout(() => this.stop('idle'), ms);
  }

  /**
   * A log that cannot be written (full disk, file gone read-only): the child is stopped,
   * since what it prints from now on would be lost, and the PTY keeps being read so that
   * it is not left blocked on a write while it handles SIGTERM.
   */
  private failLog(file: string, error: unknown): void {
    if (this.logError) return;
    this.logError = `${path.basename(file)}: ${error instanceof Error ? error.message : String(error)}`;
    if (this.paused) {
      this.paused = false;
      this.term.resume();
    }
    this.stop('log_failed');
  }

  /** `bytes` of the child's output, `pieces` what they are once masked, in order. */
  private handleData(bytes: number, pieces: readonly Buffer[]): void {
    if (!this.logError) for (const chunk of pieces) if (chunk.length > 0) this.log.write(chunk);
    this.afterOutput(bytes, pieces);
  }

  /**
   * A burst read from the master (see readBurst). Each piece goes to stdout.log as soon as it
   * is read, between two reads, as `script` writes: written once at the burst's end, 256 KiB
   * at a time, the PTY went unread meanwhile and the child blocked on it. The 200 MiB flood
   * went through a bare reader in 1.95 s against 2.36 s (medians of 10 interleaved runs),
   * for about 0.05 s more CPU. The others (onData, viewers) get the burst at its end.
   */
  private handleBurst(fd: number, first: Buffer): void {
    const listened = this.options.onData !== undefined || this.replay !== null;
    const pieces: Buffer[] = [];
    const keeps = (): boolean => listened || this.log.keepsChunks;
    const bytes = readBurst(fd, first, this.mask, keeps, (piece) => {
      if (piece.length === 0) return;
      if (!this.logError) this.log.write(piece);
      if (listened) appendPiece(pieces, piece);
    });
    this.afterOutput(bytes, pieces);
  }

  /** What follows output once it is in stdout.log: `pieces` are handed to the listeners. */
  private afterOutput(bytes: number, pieces: readonly Buffer[]): void {
    this.bytes += bytes;
    this.armIdleTimer();
    if (this.logError) return;
    // Back-pressure instead of buffering without bound: a child printing faster than the
    // disk takes it is paused (the kernel's PTY buffer then blocks its writes), never dropped.
    if (this.log.pending > PAUSE_ABOVE_BYTES && !this.paused) {
      this.paused = true;
      this.term.pause();
      this.log.onceDrained(() => {
        this.paused = false;
        this.term.resume();
      });
    }
    for (const chunk of pieces) if (chunk.length > 0) this.notify(chunk);
  }

  private notify(chunk: Buffer): void {
    this.options.onData?.(chunk);
    const replay = this.replay;
    if (replay) {
      replay.write(chunk);
      for (const viewer of this.viewers) viewer(chunk, replay.position);
    }
  }

  /**
   * Adds a viewer (`mcp attach`): from now on it gets every chunk of output. The replay
   * buffer is built on the first one, from the tail of stdout.log.
   */
  watch(viewer: Viewer): void {
    this.replay ??= new ScreenReplay(this.options.stdoutLog, this.cols, this.rows);
    this.viewers.add(viewer);
  }

  unwatch(viewer: Viewer): void {
    this.viewers.delete(viewer);
    if (this.viewers.size === 0 && this.replay) {
      this.replay.dispose();
      this.replay = null;
    }
  }

  /** The current screen, and the position of the output it shows; for a watched process. */
  screen(): Promise<ScreenSnapshot> {
    this.replay ??= new ScreenReplay(this.options.stdoutLog, this.cols, this.rows);
    return this.replay.snapshot();
  }

  get size(): { cols: number; rows: number } {
    return { cols: this.cols, rows: this.rows };
  }

  /** Bytes are written as they are: a character split across two writes arrives whole. */
  write(data: string | Buffer): void {
    this.term.write(data);
  }

  /**
   * Input node-pty holds because the child does not read it yet (its write queue, a private
   * field of the pinned version; 0 without it): lets a viewer's paste be held back at the
   * socket rather than pile up here.
   */
  get pendingInput(): number {
    const queue = (this.term as unknown as { _writeStream?: { _writeQueue?: { buffer: Buffer; offset: number }[] } })._writeStream?._writeQueue;
    if (!Array.isArray(queue)) return 0;
    let bytes = 0;
    for (const task of queue) bytes += task.buffer.length - task.offset;
    return bytes;
  }

  /** The last viewer to resize wins, as in tmux: one PTY has one size. */
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.term.resize(cols, rows);
    this.replay?.resize(cols, rows);
  }

  /** SIGTERM to the process group, SIGKILL after the grace period if it is still there. */
  stop(reason: StopReason): void {
    if (this.stoppedBy) return;
    this.stoppedBy = reason;
    clearTimeout(this.idleTimer);
    // A held shell has started nothing yet: nothing needs time to end.
    if (this.held) {
      signalGroup(this.pid, 'SIGKILL');
      return;
    }
    signalGroup(this.pid, STOP_SIGNAL);
    this.killTimer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), this.options.killGraceMs);
  }
}

/**
 * A PTY master gives at most about 4 KiB per read, and node-pty turns each read into a
 * 'data' event: at 200 MiB that is 50,000 trips through the event loop, which made mcp's log
 * path half as fast as `script`'s. After each event, what the kernel already holds is read
 * at once from the (non-blocking) master fd, up to BURST_BYTES, so a flood costs one event
 * per burst while a keystroke's echo costs one failed read (EAGAIN); a flood's burst tries
 * an empty read again (FLOOD_EMPTY_READS) before it gives up. Leans on node-pty's private
 * `_fd`, like keepOutputAtExit. Each piece, masked, goes to `take` as soon as it is read:
 * the kernel refills its 4 KiB buffer meanwhile, so the next read finds output instead of
 * waiting for it. Returns the bytes read.
 */
function readBurst(fd: number, first: Buffer, mask: MaskingStream, keeps: () => boolean, take: (piece: Buffer) => void): number {
  take(mask.push(first));
  let bytes = first.length;
  let emptyReads = 0;
  while (bytes < BURST_BYTES) {
    // Asked before each read: a log that found the disk slow keeps chunks from then on.
    const kept = keeps();
    if (kept && ARENA_BYTES - arenaAt < PTY_READ_BYTES) {
      arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
      arenaAt = 0;
    }
    const buffer = kept ? arena : scratch;
    const at = kept ? arenaAt : 0;
    const n = readMaster(fd, buffer, at, buffer.length - at);
    if (n === NOTHING_YET && bytes >= FLOOD_BYTES && emptyReads < FLOOD_EMPTY_READS) {
      emptyReads += 1;
      continue;
    }
    if (n <= 0) break;
    bytes += n;
    if (kept) arenaAt += n;
    take(mask.push(buffer.subarray(at, at + n)));
  }
  return bytes;
}

/** Unmasked pieces read one after the other are one view: listeners get fewer, larger chunks. */
function appendPiece(pieces: Buffer[], piece: Buffer): void {
  const last = pieces[pieces.length - 1];
  if (last && piece.buffer === last.buffer && last.byteOffset + last.length === piece.byteOffset) {
    pieces[pieces.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + piece.length);
  } else pieces.push(piece);
}

/** What `readMaster` returns when the master holds nothing at the moment (EAGAIN). */
const NOTHING_YET = -1;

/**
 * One read of the (non-blocking) master fd: the bytes read, NOTHING_YET, or 0 when the
 * child side closed (EIO) or the read failed (the stream sees both too).
 */
function readMaster(fd: number, buffer: Buffer, offset: number, length: number): number {
  // An empty read throws; without a stack trace to capture it costs 9 µs, not 12.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return readSync(fd, buffer, offset, length, null);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EAGAIN' ? NOTHING_YET : 0;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * Copies the child's stderr from its FIFO into stderr.log, secrets masked. Resolves when
 * every writer has closed it. Opening blocks (in the thread pool) until the child's shell
 * opens the other end, which it does first thing; reading then goes through the event
 * loop (a pipe socket), never the thread pool. A blocking read there would hold one of
 * its four threads for as long as the child keeps quiet on stderr: four quiet tasks (or
 * four held ones) and no log write of any other task could complete.
 */
function pipeStderr(fifo: string, logFile: string, onError: (error: Error) => void, onOutput: () => void): { done: Promise<void>; opened: () => boolean } {
  let opened = false;
  const done = new Promise<void>((resolve) => {
    const mask = new MaskingStream(processMasker());
    const out = createWriteStream(logFile, { flags: 'a' });
    // After a failed write the FIFO is still read (a child blocked on stderr would never
    // end), and what comes is dropped.
    out.on('error', onError);
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      const rest = mask.end();
      if (out.destroyed) return resolve();
      if (rest.length > 0) out.write(rest);
      out.end(() => resolve());
    };
    open(fifo, 'r', (error, fd) => {
      if (error) return finish();
      opened = true;
      const input = new Socket({ fd, readable: true, writable: false });
      input.on('data', (chunk: Buffer) => {
        onOutput();
        if (!out.destroyed) out.write(mask.push(chunk));
      });
      input.on('end', () => {
        input.destroy();
        finish();
      });
      input.on('error', () => {
        input.destroy();
        finish();
      });
    });
  });
  return { done, opened: () => opened };
}

/** A held process's gate: a FIFO of the pool, and mcp's end of it (see HELD_WRAPPER). */
function openGate(): { fifo: string; fd: number } {
  const fifo = fifos.take();
  try {
    // Read and write: opening a FIFO for writing alone fails while nobody reads it (Linux).
    return { fifo, fd: openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK) };
  } catch (error) {
    fifos.give(fifo);
    throw error;
  }
}

/** Nobody will open the FIFO's write end: open it ourselves, so its reader sees the end. */
function unblockFifo(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // ENXIO: no reader waits on it any more.
  }
}
