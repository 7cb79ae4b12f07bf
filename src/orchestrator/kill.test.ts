import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import type { TaskState } from '../domain/task-state.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { commandTask, tempStateRoot } from '../store/test-support.js';
import { killTarget } from './kill.js';

let counter = 0;

/** A run left `running` by a dead supervisor (no socket, no lock), its tasks in the states given, `b` after `a`. */
function orphanedRun(a: TaskState, b: TaskState): { root: StateRoot; store: TaskStore; runId: string } {
  const { dir, root, store } = tempStateRoot('kill');
  counter += 1;
  const runId = `rkill000${counter}`;
  store.createRun({
    run: { id: runId, objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
    tasks: [commandTask(runId, 'a', a), commandTask(runId, 'b', b, 1, a === 'succeeded' ? [] : ['a'])],
  });
  store.updateRun(runId, { supervisorPid: 17 });
  for (const key of ['a', 'b']) mkdirSync(root.taskDir(`${runId}-${key}`), { recursive: true });
  return { root, store, runId };
}

test('killing by PID the task that was all a run had left ends the run as its supervisor would', async () => {
  const { root, store, runId } = orphanedRun('running', 'pending');
  const result = await killTarget(root, store, { kind: 'task', task: store.resolveTask(`${runId}-a`) }, 0);
  assert.equal(result.via, 'pid');
  assert.deepEqual(store.tasksOf(runId).map((t) => t.status), ['killed', 'blocked']);
  const run = store.getRun(runId);
  assert.equal(run?.status, 'killed');
  assert.ok(run?.endedAt);
});

test('a run with tasks left to run, or with a result to record, stays for mcp resume', async () => {
  const waiting = orphanedRun('running', 'pending');
  await killTarget(waiting.root, waiting.store, { kind: 'task', task: waiting.store.resolveTask(`${waiting.runId}-b`) }, 0);
  assert.equal(waiting.store.getRun(waiting.runId)?.status, 'running');
  const merged = orphanedRun('succeeded', 'running');
  await killTarget(merged.root, merged.store, { kind: 'task', task: merged.store.resolveTask(`${merged.runId}-b`) }, 0);
  assert.equal(merged.store.getTask(`${merged.runId}-b`)?.status, 'killed');
  assert.equal(merged.store.getRun(merged.runId)?.status, 'running');
});
