import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * How many FIFOs one `mkfifo` makes at a time. Making one is a child process (Node has no
 * mkfifo), and one per task was the largest share of mcp's own CPU per task; a batch is
 * a few more inodes in a private directory.
 */
const BATCH = 16;

/**
 * The FIFOs that carry task processes' stderr, and that held processes wait on (see
 * pty-process.ts), kept in one private directory (0700, made by mkdtemp) and reused: a FIFO
 * is a name in the file system, free again once every process that opened it closed it.
 */
export class FifoPool {
  private dir: string | null = null;
  private readonly free: string[] = [];
  private made = 0;

  /**
   * A FIFO nobody uses. The first batch is made by the first take: a task's process is
   * started (held) while git makes its workspace, so that `mkfifo` waits on nobody.
   */
  take(): string {
    if (this.free.length === 0) this.grow();
    return this.free.pop() as string;
  }

  /** Back in the pool: its reader reached end of file, so no process holds it any more. */
  give(fifo: string): void {
    this.free.push(fifo);
  }

  /** A FIFO some process may still hold open for writing (a descendant of an ended task): never reused. */
  discard(fifo: string): void {
    rmSync(fifo, { force: true });
  }

  /** Removes the directory and every FIFO in it (the process is ending). */
  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.free.length = 0;
  }

  private grow(): void {
    const batch = this.nextBatch();
    execFileSync('mkfifo', ['-m', '600', ...batch]);
    this.free.push(...batch.reverse());
  }

  private nextBatch(): string[] {
    this.dir ??= mkdtempSync(path.join(os.tmpdir(), 'mcp-fifos-'));
    return Array.from({ length: BATCH }, () => path.join(this.dir as string, `fifo-${(this.made += 1)}`));
  }
}
