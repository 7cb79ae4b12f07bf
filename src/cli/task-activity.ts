import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { summarizeEvent } from '../domain/event-summary.js';
import { isTaskEvent, parseEventLine, type TaskEvent } from '../domain/events.js';
import { printable } from './render/format.js';

/** What the live view shows of a task beyond its state: what it did last, and tokens spent. */
export interface TaskActivity {
  /** One line, already printable; null before the task did anything worth showing. */
  last: string | null;
  inputTokens: number;
  outputTokens: number;
}

/** events.ndjson is read at most this often per task: the live view redraws faster, but news is rarely that fast. */
export const EVENTS_POLL_MS = 500;
/** Bytes read per poll: a long backlog (a resumed task) is caught up over several polls, never in one stall. */
const MAX_READ_BYTES = 1024 * 1024;

/** The status line an event gives (see summarizeEvent), made safe for a terminal. */
export function describeEvent(event: TaskEvent, kind: 'prompt' | 'command'): string | undefined {
  const text = summarizeEvent(event, kind);
  return text === undefined ? undefined : printable(text).trim() || undefined;
}

/**
 * Follows one task's events.ndjson from where it last stopped: only new bytes are read, so
 * summing `codex.usage` over the whole file stays cheap however long the task runs.
 */
export class TaskActivityReader {
  private offset = 0;
  /** In the middle of a line too long to read whole: its rest is dropped. */
  private skipping = false;
  private lastPoll = -Infinity;
  private readonly activity: TaskActivity = { last: null, inputTokens: 0, outputTokens: 0 };

  constructor(
    private readonly file: string,
    private readonly kind: 'prompt' | 'command',
  ) {}

  /** The activity, reading new events first unless it did so less than EVENTS_POLL_MS ago (or `force`). */
  poll(now: number, force = false): TaskActivity {
    if (!force && now - this.lastPoll < EVENTS_POLL_MS) return this.activity;
    this.lastPoll = now;
    this.readNew();
    return this.activity;
  }

  private readNew(): void {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return; // not written yet
    }
    if (size < this.offset) {
      // Truncated or replaced: start over.
      this.offset = 0;
      this.skipping = false;
      Object.assign(this.activity, { last: null, inputTokens: 0, outputTokens: 0 });
    }
    const length = Math.min(size - this.offset, MAX_READ_BYTES);
    if (length <= 0) return;
    const buffer = Buffer.alloc(length);
    const fd = openSync(this.file, 'r');
    let read: number;
    try {
      read = readSync(fd, buffer, 0, length, this.offset);
    } finally {
      closeSync(fd);
    }
    // Up to the last newline: a line still being written is read whole next time (and no UTF-8 character is split).
    const end = buffer.lastIndexOf(0x0a, read - 1);
    if (end < 0) {
      if (read === MAX_READ_BYTES) {
        // One line longer than a whole read (a huge command output): skip it.
        this.offset += read;
        this.skipping = true;
      }
      return;
    }
    this.offset += end + 1;
    const lines = buffer.toString('utf8', 0, end).split('\n');
    if (this.skipping) lines.shift();
    this.skipping = false;
    for (const line of lines) this.take(line);
  }

  private take(line: string): void {
    if (line.length === 0) return;
    // A torn line left by a crash, or an event of a newer mcp, is skipped.
    const event = parseEventLine(line);
    if (!event) return;
    if (event.type === 'codex.usage') {
      this.activity.inputTokens += event.usage.inputTokens;
      this.activity.outputTokens += event.usage.outputTokens;
      return;
    }
    if (!isTaskEvent(event)) return;
    const text = describeEvent(event, this.kind);
    if (text !== undefined) this.activity.last = text;
  }
}
