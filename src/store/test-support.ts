import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { TaskState } from '../domain/task-state.js';
import { StateRoot } from './state-root.js';
import { TaskStore, type NewTask } from './task-store.js';

/**
 * For tests: a state root in a new temporary directory, with its store open. Both go when
 * the test file ends; a test may close the store sooner (closing twice is harmless).
 */
export function tempStateRoot(name: string): { dir: string; root: StateRoot; store: TaskStore } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mcp-${name}-test-`));
  const root = new StateRoot(dir);
  mkdirSync(root.storeDir, { recursive: true });
  const store = TaskStore.open(root.dbPath);
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, root, store };
}

/** For tests that write runs by hand: a plan's command task (`node -e 0`) of `runId`. */
export function commandTask(runId: string, key: string, status: TaskState, position = 0, dependsOn: string[] = []): NewTask {
  return { id: `${runId}-${key}`, runId, key, position, planVersion: 1, title: key.toUpperCase(), kind: 'command', mode: 'exec', prompt: null, command: ['node', '-e', '0'], dependsOn, acceptance: null, timeoutSeconds: null, status, workspace: null, branch: null, updatedAt: '2024-05-01T10:00:00.000Z' };
}
