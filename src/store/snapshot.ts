import { closeSync, existsSync, openSync, readFileSync, renameSync, writevSync } from 'node:fs';
import path from 'node:path';
import { allRunViewsJsonParts, type EndedRunsJson } from './views.js';
import type { TaskStore } from './task-store.js';

/** Coalesces bursts of store writes: a run of 50 tasks must not rewrite the file 500 times. */
const SNAPSHOT_DEBOUNCE_MS = 200;
/**
 * A big state root makes each rewrite costly (10,000 tasks: tens of milliseconds), so the
 * wait between rewrites grows with their cost and the snapshot never eats the supervisor.
 */
const SNAPSHOT_COST_FACTOR = 10;

/**
 * Rewrites `store/snapshot.json` atomically (tmp + rename): a reader never sees half a file.
 * Compact JSON written by SQLite (allRunViewsJsonParts): the supervisor rewrites
 * it after changes, and on a big state root indenting it cost more than the rest.
 */
export function writeSnapshot(store: TaskStore, file: string, ended?: EndedRunsJson): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const head = `{"generatedAt":${JSON.stringify(new Date().toISOString())},"runs":`;
  const parts = [Buffer.from(head), ...allRunViewsJsonParts(store, { ended }), Buffer.from('}\n')];
  const fd = openSync(tmp, 'w');
  try {
    // writev may write less than asked, like write: go on from where it stopped.
    let left = parts;
    while (left.length > 0) {
      let written = writevSync(fd, left);
      while (left.length > 0 && written >= left[0]!.length) written -= left.shift()!.length;
      if (left.length > 0 && written > 0) left = [left[0]!.subarray(written), ...left.slice(1)];
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * How many runs a snapshot holds: null when there is no snapshot, Infinity when it cannot be
 * read as one (what it holds is unknown, so it is treated as worth keeping).
 */
export function snapshotRunCount(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : Infinity;
  }
  try {
    const runs = (JSON.parse(text) as { runs?: unknown }).runs;
    return Array.isArray(runs) ? runs.length : Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Before a new store is created where an earlier one is gone (moved aside as corrupt,
 * deleted): the snapshot is then the only record of that store's runs, and the new store's
 * first write would replace it. It is renamed aside first; the new name is returned, or
 * null when nothing needed keeping.
 */
export function keepSnapshotOfLostStore(dbPath: string, snapshotPath: string, now = new Date()): { file: string; runs: number } | null {
  if (existsSync(dbPath)) return null;
  const runs = snapshotRunCount(snapshotPath);
  if (!runs) return null;
  const file = path.join(path.dirname(snapshotPath), `snapshot-${now.toISOString().replace(/[:.]/g, '-')}.json`);
  renameSync(snapshotPath, file);
  return { file, runs };
}

export class SnapshotWriter {
  private timer: NodeJS.Timeout | undefined;
  private failed = false;
  private lastCostMs = 0;
  /** Something changed since the last write. */
  private dirty = true;
  private readonly ended: EndedRunsJson = new Map();
  private dataVersion: number | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly file: string,
    private readonly onError: (error: unknown) => void,
  ) {
    store.onChange((runId) => {
      this.ended.delete(runId);
      this.dirty = true;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.writeNow();
      },
      Math.max(SNAPSHOT_DEBOUNCE_MS, this.lastCostMs * SNAPSHOT_COST_FACTOR),
    );
  }

  writeNow(): void {
    try {
      const started = performance.now();
      // Another process wrote to the store (mcp clean, a kill without this supervisor):
      // nothing remembered can be trusted.
      const version = this.store.dataVersion();
      if (version !== this.dataVersion) this.ended.clear();
      this.dataVersion = version;
      this.dirty = false;
      writeSnapshot(this.store, this.file, this.ended);
      this.lastCostMs = performance.now() - started;
      this.failed = false;
    } catch (error) {
      this.dirty = true;
      // The snapshot is a convenience copy; SQLite holds the truth. Report once, keep running.
      if (!this.failed) this.onError(error);
      this.failed = true;
    }
  }

  /** Writes now what changed since the last write, if anything did. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty || this.store.dataVersion() !== this.dataVersion) this.writeNow();
  }
}
