import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { McpEvent } from '../domain/events.js';
import { processMasker } from './process-masker.js';


/**
 * Appends one JSON object a line to events.ndjson, secrets masked. Each line is written with a single
 * `write(2)` on an O_APPEND descriptor, so a crash leaves at most one torn last line.
 */
export class EventLog {
  private fd: number | null;
  private failure: string | null = null;

  /**
   * `onError` hears of the first failed write (a full disk): appending then stops, since an
   * exception thrown from a PTY data callback would bring the whole supervisor down.
   * Without it, a failed write throws as any write would.
   */
  constructor(
    private readonly file: string,
    private readonly task: string,
    private readonly onError?: (message: string) => void,
  ) {
    this.fd = openSync(file, 'a+');
    this.repairTornLine(this.fd);
  }

  /**
   * A crash mid-write can leave a last line without its newline. Ending it here keeps the
   * next event on a line of its own: the torn line stays (readers skip it), nothing else breaks.
   */
  private repairTornLine(fd: number): void {
    const size = fstatSync(fd).size;
    if (size === 0) return;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 0x0a) writeSync(fd, '\n');
  }

  append(fields: McpEvent): void {
    if (this.fd === null || this.failure) return;
    const line = processMasker().maskText(JSON.stringify({ ts: new Date().toISOString(), task: this.task, ...fields }));
    try {
      writeSync(this.fd, `${line}\n`);
    } catch (error) {
      if (!this.onError) throw error;
      this.failure = `${path.basename(this.file)}: ${(error as Error).message}`;
      this.onError(this.failure);
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** One event appended to a log that is not kept open (state changes, run-level news). */
export function appendEvent(file: string, task: string, fields: McpEvent): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const log = new EventLog(file, task);
  try {
    log.append(fields);
  } finally {
    log.close();
  }
}
