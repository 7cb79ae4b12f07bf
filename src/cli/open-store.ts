import { NotFoundError } from '../domain/errors.js';
import { plural } from '../domain/plural.js';
import { migrateLayout } from '../store/layout-migration.js';
import type { StateRoot } from '../store/state-root.js';
import { keepSnapshotOfLostStore } from '../store/snapshot.js';
import { TaskStore } from '../store/task-store.js';

/**
 * Read commands never create a state root; without one there is nothing to show. `reading`:
 * the command only reads, so a store it may not write is read from a copy.
 */
export function openExistingStore(root: StateRoot, options: { reading?: boolean } = {}): TaskStore | null {
  if (!root.exists()) return null;
  try {
    // An old layout is brought forward by whoever looks first; a reader that may not write leaves it.
    migrateLayout(root.dir);
  } catch {
    /* a state root this user may not write: its run records stay unread until a writer moves them */
  }
  return TaskStore.open(root.dbPath, { orReadCopy: options.reading === true });
}

/**
 * For commands that write: the state root made ready and its store opened, created when
 * missing. A snapshot left by a store that is gone is kept aside first, and the user told.
 */
export function openOrCreateStore(root: StateRoot): TaskStore {
  root.prepare();
  const kept = keepSnapshotOfLostStore(root.dbPath, root.snapshotPath);
  if (kept) {
    const what = Number.isFinite(kept.runs) ? `the last known state of its ${plural(kept.runs, 'run')}` : 'its last snapshot';
    process.stderr.write(`mcp: ${root.dbPath} is missing, so a new store starts; the earlier store's snapshot, ${what}, is kept as ${kept.file}\n`);
  }
  return TaskStore.open(root.dbPath);
}

/**
 * The store of a state root that may not exist yet, for a look that must not create it (the
 * dashboard started before the first run): an empty one in memory until a run creates the
 * root, then the root's own, opened the first time it is asked for after that.
 */
export class AwaitedStore {
  private found: TaskStore | null;
  private empty: TaskStore | null = null;

  constructor(private readonly root: StateRoot) {
    this.found = openExistingStore(root);
  }

  /** No run has created the state root yet. */
  get waiting(): boolean {
    return this.found === null;
  }

  current(): TaskStore {
    this.found ??= openExistingStore(this.root);
    return this.found ?? (this.empty ??= TaskStore.open(':memory:'));
  }

  /** Both: a request still under way may hold the empty one. */
  close(): void {
    this.found?.close();
    this.empty?.close();
  }
}

export function requireStore(root: StateRoot, ref: string, options: { reading?: boolean } = {}): TaskStore {
  const store = openExistingStore(root, options);
  if (!store) throw new NotFoundError(`no task or run ${JSON.stringify(ref)}: no state root at ${root.dir}`, 'run `mcp run` first, or pass --state-dir');
  return store;
}

/** A run id, else a task id or plan key. */
export function resolveRef(store: TaskStore, ref: string): { runId: string; taskId?: string } {
  const run = store.getRun(ref);
  if (run) return { runId: run.id };
  const task = store.resolveTask(ref);
  return { runId: task.runId, taskId: task.id };
}
