import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

test('killing by PID a task that waits for an approval withdraws the question in its events: "the task was killed"', async () => {
  const { root, store, runId } = orphanedRun('waiting_approval', 'pending');
  const taskId = `${runId}-a`;
  const line = (event: Record<string, unknown>): string => `${JSON.stringify({ ts: '2024-05-01T10:00:00.000Z', task: taskId, ...event })}\n`;
  writeFileSync(root.taskFiles(taskId).events, line({ type: 'approval.requested', id: 1, kind: 'command', command: 'git push', reason: null }));
  await killTarget(root, store, { kind: 'task', task: store.resolveTask(taskId) }, 0);
  const events = readFileSync(root.taskFiles(taskId).events, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; id?: number; reason?: string; to?: string });
  assert.deepEqual(events.slice(1).map((e) => [e.type, e.id ?? e.to, e.reason]), [
    ['approval.withdrawn', 1, 'the task was killed'],
    ['state', 'killed', 'killed by user (no supervisor answered; stopped by PID)'],
  ]);
});
