import type { Viewer } from '../terminal/pty-process.js';
import type { ScreenSnapshot } from '../terminal/screen-replay.js';
import { FRAME, resizeSchema, type Frame } from './attach-frames.js';
import type { ControlConnection } from './control-server.js';

/** What a viewer needs of a task's terminal (a PtyProcess). */
export interface AttachableTerminal {
  watch(viewer: Viewer): void;
  unwatch(viewer: Viewer): void;
  screen(): Promise<ScreenSnapshot>;
  write(data: Buffer): void;
  resize(cols: number, rows: number): void;
  /** Input written but not yet taken by the child. */
  readonly pendingInput: number;
  readonly exited: Promise<unknown>;
}

/**
 * A paste the task does not read as fast as it comes waits in the viewer's socket (and in
 * its own process), not here: above this much input held for the PTY, the viewer is no
 * longer read. 1 MiB is far more than any typing or ordinary paste, and small next to the
 * supervisor's memory target.
 */
const INPUT_HIGH_WATERMARK_BYTES = 1024 * 1024;
/** Reading resumes below this, so a long paste moves in large steps rather than byte by byte. */
const INPUT_LOW_WATERMARK_BYTES = 64 * 1024;
/** node-pty has no drain event: how often held input is looked at again. */
const INPUT_DRAIN_CHECK_MS = 20;

/**
 * Serves one viewer of a task's terminal on a connection whose reply was sent: the screen,
 * then the output, as frames; keys and sizes from the viewer go to the PTY. Ends the
 * connection when the task ends; a closed connection detaches the viewer.
 */
export function serveAttach(connection: ControlConnection, terminal: AttachableTerminal): void {
  const feed = new ViewerFeed(connection, terminal);
  let held: NodeJS.Timeout | undefined;
  const holdInputWhileFull = (): void => {
    if (held || terminal.pendingInput <= INPUT_HIGH_WATERMARK_BYTES) return;
    connection.pauseInput();
    held = setInterval(() => {
      if (terminal.pendingInput >= INPUT_LOW_WATERMARK_BYTES) return;
      clearInterval(held);
      held = undefined;
      connection.resumeInput();
    }, INPUT_DRAIN_CHECK_MS);
  };
  connection.onFrame((frame: Frame) => {
    if (frame.type === FRAME.input) {
      // The bytes as they came: a UTF-8 character cut between two reads of the viewer's
      // stdin is whole again in the PTY, where decoding it per frame would have broken it.
      terminal.write(frame.payload);
      holdInputWhileFull();
      return;
    }
    if (frame.type === FRAME.resize) {
      const size = parseResize(frame.payload);
      if (size) terminal.resize(size.cols, size.rows);
      else connection.send(FRAME.notice, JSON.stringify({ message: 'bad resize frame ignored' }));
      return;
    }
    connection.send(FRAME.notice, JSON.stringify({ message: `frame of unknown type ${frame.type} ignored` }));
  });
  connection.onClose(() => {
    clearInterval(held);
    feed.stop();
  });
  void terminal.exited.then(() => connection.end());
  feed.start();
}

function parseResize(payload: Buffer): { cols: number; rows: number } | null {
  try {
    const parsed = resizeSchema.safeParse(JSON.parse(payload.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Output queued for one viewer (bytes its socket holds that the kernel has not taken) above
 * which output to it is dropped: for that viewer only, since the task must never wait for a
 * viewer (VS Code's pty host pauses the PTY at 100000 chars; here a slow viewer must not slow
 * a task or another viewer) and stdout.log keeps every byte anyway. 1 MiB is a full redraw
 * of any TUI many times over, and ~20 ms of a 50 MB/s flood, so a viewer that reads keeps up;
 * one that stopped reading costs at most this (and one screen), whatever the task prints.
 */
export const VIEWER_HIGH_WATERMARK_BYTES = 1024 * 1024;
/**
 * A dropped viewer gets a fresh screen once its queue is below this: it reads again, and the
 * screen reaches it right away instead of waiting behind old output.
 */
export const VIEWER_LOW_WATERMARK_BYTES = 64 * 1024;

/**
 * Output for one viewer: a screen first, then every chunk after the position that screen
 * shows, so nothing is shown twice or missed at the seam. A viewer that falls more than the
 * high watermark behind stops getting output, and gets the current screen (from the replay
 * buffer) once it has drained below the low watermark.
 */
class ViewerFeed {
  private state: 'screen' | 'live' | 'dropping' = 'screen';
  /** Output that came while a screen was being rendered. */
  private waiting: { chunk: Buffer; position: number }[] = [];
  private waitingBytes = 0;
  /** Output was dropped while the screen was rendered: the screen is stale once sent. */
  private overflowed = false;
  private stopped = false;
  private readonly viewer: Viewer = (chunk, position) => this.take(chunk, position);
  private readonly flushed = (): void => this.resyncIfDrained();

  constructor(
    private readonly connection: ControlConnection,
    private readonly terminal: AttachableTerminal,
  ) {}

  start(): void {
    this.terminal.watch(this.viewer);
    this.sendScreen();
  }

  stop(): void {
    this.stopped = true;
    this.terminal.unwatch(this.viewer);
  }

  private take(chunk: Buffer, position: number): void {
    if (this.state === 'live') {
      if (this.connection.queuedBytes > VIEWER_HIGH_WATERMARK_BYTES) this.drop();
      else this.connection.send(FRAME.output, chunk, this.flushed);
    } else if (this.state === 'screen') {
      this.waiting.push({ chunk, position });
      this.waitingBytes += chunk.length;
      if (this.waitingBytes > VIEWER_HIGH_WATERMARK_BYTES) {
        this.waiting = [];
        this.waitingBytes = 0;
        this.overflowed = true;
      }
    }
  }

  private drop(): void {
    this.state = 'dropping';
    this.waiting = [];
    this.waitingBytes = 0;
    this.resyncIfDrained();
  }

  private resyncIfDrained(): void {
    if (this.state === 'dropping' && !this.stopped && this.connection.queuedBytes < VIEWER_LOW_WATERMARK_BYTES) this.sendScreen();
  }

  private sendScreen(): void {
    this.state = 'screen';
    this.overflowed = false;
    void this.terminal.screen().then((snapshot) => {
      if (this.stopped) return;
      this.connection.send(FRAME.screen, snapshot.screen, this.flushed);
      if (this.overflowed) return this.drop();
      const waiting = this.waiting;
      this.waiting = [];
      this.waitingBytes = 0;
      this.state = 'live';
      for (const { chunk, position } of waiting) {
        // `position` is where the replay stood after this chunk.
        const unseen = position - snapshot.position;
        if (unseen <= 0) continue;
        this.connection.send(FRAME.output, unseen >= chunk.length ? chunk : chunk.subarray(chunk.length - unseen), this.flushed);
      }
    });
  }
}
