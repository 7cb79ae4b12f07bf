import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { parseEventLine, type StoredEvent } from '../domain/events.js';

/**
 * Bytes read from one events file per call: a long backlog is caught up over a few calls
 * (the feed's next ticks), and one call never holds the server for long.
 */
const MAX_READ_BYTES = 4 * 1024 * 1024;

export interface EventTailOptions {
  /** Bytes read per call at the most (MAX_READ_BYTES unless given); a longer line is skipped. */
  maxReadBytes?: number;
  /**
   * Called when the file shrank (truncated, or replaced by a shorter one), before the events
   * of that read: the tail starts again from the file's first byte, so whatever was made of
   * the events it gave before is no longer this file's.
   */
  onRestart?: () => void;
}

/**
 * Follows an events.ndjson from where it last stopped. Only whole lines are taken (the
 * writer may be mid-line); torn or unknown lines are skipped as every reader does.
 */
export class EventTail {
  private offset = 0;
  /** In the middle of a line too long to read whole: its rest is dropped. */
  private skipping = false;
  private readonly maxReadBytes: number;
  private readonly onRestart: (() => void) | undefined;

  constructor(
    readonly file: string,
    options: EventTailOptions = {},
  ) {
    this.maxReadBytes = options.maxReadBytes ?? MAX_READ_BYTES;
    this.onRestart = options.onRestart;
  }

  /** The events appended since the last call (none when the file is missing). */
  read(): StoredEvent[] {
    // No exception for a missing file: 1,000 tasks that wrote nothing yet are looked at often.
    const size = statSync(this.file, { throwIfNoEntry: false })?.size;
    if (size === undefined) return [];
    if (size < this.offset) {
      this.offset = 0;
      this.skipping = false;
      this.onRestart?.();
    }
    const length = Math.min(size - this.offset, this.maxReadBytes);
    if (length <= 0) return [];
    const buffer = Buffer.alloc(length);
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    let got: number;
    try {
      got = readSync(fd, buffer, 0, length, this.offset);
    } finally {
      closeSync(fd);
    }
    // Up to the last newline: a line still being written is read whole next time (and no
    // UTF-8 character is split).
    const end = buffer.lastIndexOf(0x0a, got - 1);
    if (end < 0) {
      if (got === this.maxReadBytes) {
        // One line longer than a whole read (a huge command output): it is skipped.
        this.offset += got;
        this.skipping = true;
      }
      return [];
    }
    const events: StoredEvent[] = [];
    const lines = buffer.subarray(0, end).toString('utf8').split('\n');
    if (this.skipping) {
      lines.shift();
      this.skipping = false;
    }
    for (const line of lines) {
      const event = line ? parseEventLine(line) : null;
      if (event) events.push(event);
    }
    this.offset += end + 1;
    return events;
  }

  /** Everything there is now, however many reads it takes. */
  readAll(): StoredEvent[] {
    const all: StoredEvent[] = [];
    for (;;) {
      const before = this.offset;
      const more = this.read();
      for (const event of more) all.push(event);
      if (this.offset === before) return all;
    }
  }
}
