import { closeSync, createWriteStream, openSync, writeSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream';

/**
 * A write to stdout.log that took this long means the disk is slow or stalled: from then on
 * the log's writes go through the thread pool, so the event loop (every other task, every
 * `mcp status`) no longer waits for that disk.
 */
const SLOW_WRITE_MS = 20;
/** Writes through the thread pool are batched up to this much (the disk outruns a PTY by far). */
const BATCH_BYTES = 1024 * 1024;

/**
 * stdout.log of one process. What is read from a PTY is written at once, synchronously, as
 * `script` does: a write to the page cache takes a few microseconds, while handing it to the
 * thread pool put a third busy thread beside the child and the kernel's PTY worker. mcp's
 * CPU in the 200 MiB flood fell by about 0.18 s (user 1.18 -> 1.05 s, sys 1.91 -> 1.86 s).
 * One slow write (see SLOW_WRITE_MS) moves the log to an asynchronous stream for good.
 */
export class OutputLog {
  private fd: number | null = null;
  private stream: WriteStream | null = null;
  private failed = false;
  private ended = false;

  /**
   * `onError` hears of the first failure (the file cannot be opened, a full disk); later
   * writes are dropped. `slowWriteMs` is SLOW_WRITE_MS but for tests.
   */
  constructor(
    file: string,
    private readonly onError: (error: Error) => void,
    private readonly slowWriteMs = SLOW_WRITE_MS,
  ) {
    try {
      this.fd = openSync(file, 'a');
    } catch (error) {
      // As a stream would: the caller hears of it once it is constructed (unless it gave up
      // on the log first, as a process whose spawn failed does).
      process.nextTick(() => {
        if (!this.ended) this.fail(error);
      });
    }
  }

  /**
   * Whether a chunk given to `write` may still be read after the call returns: only once the
   * log went asynchronous. Until then the caller may reuse the chunk's memory at once.
   */
  get keepsChunks(): boolean {
    return this.stream !== null;
  }

  /** Bytes accepted and not written yet: only ever more than 0 once the log went asynchronous. */
  get pending(): number {
    return this.stream?.writableLength ?? 0;
  }

  write(chunk: Buffer): void {
    if (this.failed || this.ended) return;
    if (this.stream) {
      this.stream.write(chunk);
      return;
    }
    if (this.fd === null) return;
    const started = performance.now();
    try {
      for (let at = 0; at < chunk.length; ) at += writeSync(this.fd, chunk, at);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (performance.now() - started >= this.slowWriteMs) this.goAsynchronous(this.fd);
  }

  /** Calls `listener` once what is pending has been written (at once when nothing is). */
  onceDrained(listener: () => void): void {
    if (this.stream && this.stream.writableLength > 0) this.stream.once('drain', listener);
    else queueMicrotask(listener);
  }

  /** Closes the log; `done` is called once every accepted byte is written, or the log failed. */
  end(done: () => void): void {
    this.ended = true;
    const stream = this.stream;
    if (stream) {
      this.stream = null;
      // finished() also calls back when the stream fails (a full disk) instead of finishing.
      if (stream.destroyed) done();
      else {
        finished(stream, () => done());
        stream.end();
      }
      return;
    }
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    done();
  }

  private goAsynchronous(fd: number): void {
    this.fd = null;
    this.stream = createWriteStream('', { fd, highWaterMark: BATCH_BYTES });
    this.stream.on('error', (error) => this.fail(error));
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.onError(error instanceof Error ? error : new Error(String(error)));
  }
}
