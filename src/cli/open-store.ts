import { NotFoundError } from '../domain/errors.js';
import type { StateRoot } from '../store/state-root.js';
import { TaskStore } from '../store/task-store.js';

/** Read commands never create a state root; without one there is nothing to show. */
export function openExistingStore(root: StateRoot): TaskStore | null {
  return root.exists() ? TaskStore.open(root.dbPath) : null;
}

export function requireStore(root: StateRoot, ref: string): TaskStore {
  const store = openExistingStore(root);
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
