import { renameSync, writeFileSync } from 'node:fs';
import { allRunViewsJson } from './views.js';
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
 * Compact JSON written by SQLite (allRunViewsJson): the supervisor rewrites
 * it after changes, and on a big state root indenting it cost more than the rest.
 */
export function writeSnapshot(store: TaskStore, file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const head = `{"generatedAt":${JSON.stringify(new Date().toISOString())},"runs":`;
  writeFileSync(tmp, Buffer.concat([Buffer.from(head), allRunViewsJson(store), Buffer.from('}\n')]));
  renameSync(tmp, file);
}

export class SnapshotWriter {
  private timer: NodeJS.Timeout | undefined;
  private failed = false;
  private lastCostMs = 0;

  constructor(
    private readonly store: TaskStore,
    private readonly file: string,
    private readonly onError: (error: unknown) => void,
  ) {
    store.onChange(() => this.schedule());
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
      writeSnapshot(this.store, this.file);
      this.lastCostMs = performance.now() - started;
      this.failed = false;
    } catch (error) {
      // The snapshot is a convenience copy; SQLite holds the truth. Report once, keep running.
      if (!this.failed) this.onError(error);
      this.failed = true;
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writeNow();
  }
}
