import { renameSync, writeFileSync } from 'node:fs';
import { allRunViews } from './views.js';
import type { TaskStore } from './task-store.js';

/** Coalesces bursts of store writes: a run of 50 tasks must not rewrite the file 500 times. */
const SNAPSHOT_DEBOUNCE_MS = 200;

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

  constructor(
    private readonly store: TaskStore,
    private readonly file: string,
    private readonly onError: (error: unknown) => void,
  ) {
    store.onChange(() => this.schedule());
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writeNow();
    }, SNAPSHOT_DEBOUNCE_MS);
  }

  writeNow(): void {
    try {
      writeSnapshot(this.store, this.file);
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
