import { createRequire } from 'node:module';
import { readFileTail } from './file-tail.js';
import type { Terminal as HeadlessTerminal } from '@xterm/headless';
import type { SerializeAddon as Serializer } from '@xterm/addon-serialize';

/**
 * How much of stdout.log rebuilds the screen for a first viewer: enough for any full
 * redraw of a TUI, small enough to parse in a few milliseconds.
 */
const REPLAY_TAIL_BYTES = 256 * 1024;
/** Scrollback a viewer gets above the screen when attaching. */
const SCROLLBACK_LINES = 200;

const require = createRequire(import.meta.url);

/**
 * A headless terminal that mirrors one PTY, created when the first viewer attaches (so a
 * task nobody watches costs nothing): it replays the tail of stdout.log, then follows the
 * live output, and serializes the current screen for each new viewer.
 */
/** A rendered screen, and how many bytes of output (since the replay began) it shows. */
export interface ScreenSnapshot {
  screen: string;
  position: number;
}

export class ScreenReplay {
  private readonly term: HeadlessTerminal;
  private readonly serializer: Serializer;
  private written = 0;

  /** `replayLog`: rebuild the screen from stdout.log's tail (false for a process just started). */
  constructor(stdoutLog: string, cols: number, rows: number, replayLog = true) {
    // Both packages ship CommonJS bundles; createRequire keeps them out of `mcp --version`.
    const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
    const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');
    this.term = new Terminal({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    this.serializer = new SerializeAddon();
    this.term.loadAddon(this.serializer as never);
    const tail = replayLog ? readFileTail(stdoutLog, REPLAY_TAIL_BYTES) : Buffer.alloc(0);
    if (tail.length > 0) this.term.write(tail);
  }

  /** Bytes of live output given to write() so far; what a snapshot's position counts. */
  get position(): number {
    return this.written;
  }

  write(chunk: Buffer): void {
    this.written += chunk.length;
    this.term.write(chunk);
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /** Resolves once everything written so far is parsed, with the screen as escape sequences. */
  snapshot(): Promise<ScreenSnapshot> {
    const position = this.written;
    return new Promise((resolve) => this.term.write('', () => resolve({ screen: this.serializer.serialize({ scrollback: SCROLLBACK_LINES }), position })));
  }

  /** The lines of the visible screen, as text. */
  visibleLines(): string[] {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.term.rows; y += 1) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return lines;
  }

  /** Runs `fn` once everything written so far is parsed. */
  whenParsed(fn: () => void): void {
    this.term.write('', fn);
  }

  dispose(): void {
    this.term.dispose();
  }
}
