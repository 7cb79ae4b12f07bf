import { closeSync, openSync, writeSync } from 'node:fs';

export type EventFields = { type: string } & Record<string, unknown>;

/**
 * Appends one JSON object a line to events.ndjson. Each line is written with a single
 * `write(2)` on an O_APPEND descriptor, so a crash leaves at most one torn last line.
 */
export class EventLog {
  private fd: number | null;

  constructor(
    file: string,
    private readonly task: string,
  ) {
    this.fd = openSync(file, 'a');
  }

  append(fields: EventFields): void {
    if (this.fd === null) return;
    const line = JSON.stringify({ ts: new Date().toISOString(), task: this.task, ...fields });
    writeSync(this.fd, `${line}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
