import { renameSync, writeFileSync } from 'node:fs';
import { allRunViews } from './views.js';
import type { TaskStore } from './task-store.js';

/** Coalesces bursts of store writes: a run of 50 tasks must not rewrite the file 500 times. */
const SNAPSHOT_DEBOUNCE_MS = 200;
/**
 * A big state root makes each rewrite costly (10,000 tasks: about half a second), so the
 * wait between rewrites grows with their cost and the snapshot never eats the supervisor.
 */
const SNAPSHOT_COST_FACTOR = 10;

/** Rewrites `store/snapshot.json` atomically (tmp + rename): a reader never sees half a file. */
export function writeSnapshot(store: TaskStore, file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const body = JSON.stringify({ generatedAt: new Date().toISOString(), runs: allRunViews(store) }, null, 2);
  writeFileSync(tmp, `${body}\n`);
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
