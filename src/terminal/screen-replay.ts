import { createRequire } from 'node:module';
import { readFileTail } from './file-tail.js';
import type { Terminal as HeadlessTerminal } from '@xterm/headless';
import type { SerializeAddon as Serializer } from '@xterm/addon-serialize';

/**
 * How much output rebuilds the screen (for a first viewer, from stdout.log; after the replay
 * fell behind, from memory): enough for any full redraw of a TUI, small enough to parse in a
 * few milliseconds.
 */
const REPLAY_TAIL_BYTES = 256 * 1024;
/** Scrollback a viewer gets above the screen when attaching. */
const SCROLLBACK_LINES = 200;
/**
 * Output given to the headless terminal that it has not parsed yet. @xterm/headless queues
 * every write and parses ~50 MB/s here; a task printing faster grew that queue without
 * bound, and past 50 MB xterm throws ("write data discarded"), which would take the
 * supervisor down. 4 MiB is under 0.1 s of parsing: beyond it, output is no longer given to
 * the terminal, and once it has caught up the screen is rebuilt from the tail of the output.
 */
const MAX_UNPARSED_BYTES = 4 * 1024 * 1024;

const require = createRequire(import.meta.url);

/** A rendered screen, and how many bytes of live output (since the replay began) it shows. */
export interface ScreenSnapshot {
  screen: string;
  position: number;
}

/**
 * A headless terminal that mirrors one PTY, created when the first viewer attaches (so a
 * task nobody watches costs nothing): it replays the tail of stdout.log, then follows the
 * live output, and serializes the current screen for each new viewer.
 */
export class ScreenReplay {
  private readonly term: HeadlessTerminal;
  private readonly serializer: Serializer;
  /** The last REPLAY_TAIL_BYTES of output, kept because stdout.log may not have them on disk yet. */
  private readonly tail = new TailBuffer(REPLAY_TAIL_BYTES);
  private written = 0;
  private unparsed = 0;
  /** Output is being dropped until the terminal has parsed what it has; then it is rebuilt. */
  private behind = false;
  /** Calls waiting for the rebuild: what they want to see is not in the terminal yet. */
  private readonly afterRebuild: ((position: number) => void)[] = [];
  private rebuildCount = 0;
  private disposed = false;

  /** `replayLog`: rebuild the screen from stdout.log's tail (false for a process just started). */
  constructor(stdoutLog: string, cols: number, rows: number, replayLog = true) {
    // Both packages ship CommonJS bundles; createRequire keeps them out of `mcp --version`.
    const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
    const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');
    this.term = new Terminal({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    this.serializer = new SerializeAddon();
    this.term.loadAddon(this.serializer as never);
    const tail = replayLog ? readFileTail(stdoutLog, REPLAY_TAIL_BYTES) : Buffer.alloc(0);
    if (tail.length > 0) {
      this.tail.push(tail);
      this.parse(tail);
    }
  }

  /** Bytes of live output given to write() so far; what a snapshot's position counts. */
  get position(): number {
    return this.written;
  }

  /** Output given to the terminal and not parsed yet (at most MAX_UNPARSED_BYTES and a chunk). */
  get unparsedBytes(): number {
    return this.unparsed;
  }

  /** How often the screen was rebuilt after the terminal fell behind the output. */
  get rebuilds(): number {
    return this.rebuildCount;
  }

  write(chunk: Buffer): void {
    this.written += chunk.length;
    this.tail.push(chunk);
    if (this.behind) return;
    if (this.unparsed + chunk.length > MAX_UNPARSED_BYTES) {
      this.behind = true;
      return;
    }
    this.parse(chunk);
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /**
   * Resolves once everything written so far is parsed, with the screen as escape sequences
   * and the position it shows: the call's, or a later one when the screen was rebuilt.
   */
  snapshot(): Promise<ScreenSnapshot> {
    return new Promise((resolve) => this.barrier((position) => resolve({ screen: this.serializer.serialize({ scrollback: SCROLLBACK_LINES }), position })));
  }

  /** The lines of the visible screen, as text. */
  visibleLines(): string[] {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.term.rows; y += 1) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return lines;
  }

  dispose(): void {
    this.disposed = true;
    this.term.dispose();
  }

  /** `fn` runs once the terminal has parsed all it was given, with the output position that is. */
  private barrier(fn: (position: number) => void): void {
    if (this.behind) {
      this.afterRebuild.push(fn);
      return;
    }
    const position = this.written;
    this.term.write('', () => fn(position));
  }

  private parse(data: Buffer): void {
    this.unparsed += data.length;
    this.term.write(data, () => {
      this.unparsed -= data.length;
      // Deferred: this runs inside xterm's parse loop.
      if (this.unparsed === 0 && this.behind) queueMicrotask(() => this.rebuild());
    });
  }

  /** Starts again from the tail of the output: the terminal has parsed all it was given. */
  private rebuild(): void {
    if (!this.behind || this.unparsed > 0 || this.disposed) return;
    this.behind = false;
    this.rebuildCount += 1;
    this.term.reset();
    this.parse(this.tail.contents());
    for (const fn of this.afterRebuild.splice(0)) this.barrier(fn);
  }
}

/** Chunks a tail is kept in before they are merged (a slow task prints many small ones). */
const MAX_TAIL_CHUNKS = 256;

/** The last `limit` bytes pushed, kept as the chunks they came in. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.chunks.length > 1 && this.bytes - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.bytes -= this.chunks.shift()?.length ?? 0;
    }
    // Many small chunks are merged into one copy: a chunk may be a view of a larger buffer,
    // which it would keep alive.
    if (this.chunks.length > MAX_TAIL_CHUNKS) this.chunks = [Buffer.from(this.contents())];
  }

  contents(): Buffer {
    const all = Buffer.concat(this.chunks, this.bytes);
    return all.length > this.limit ? all.subarray(all.length - this.limit) : all;
  }
}
