import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempStateRoot } from '../store/test-support.js';
import { recoverRun } from './recovery.js';
import { runSupervisor, UNCLAIMED_GRACE_MS } from './run-supervisor.js';

const created = '2024-05-01T10:00:00.000Z';
const at = Date.parse(created);
const holder = { pid: 4242, start: '99' };

test('an ended run has no supervisor to ask about', () => {
  for (const status of ['succeeded', 'failed', 'killed'] as const) assert.equal(runSupervisor({ status, supervisorPid: null, createdAt: created }, null, at), null);
});

test('a run is live only while the supervisor that took it holds the lock', () => {
  assert.equal(runSupervisor({ status: 'running', supervisorPid: 4242, createdAt: created }, holder, at), 'live');
  assert.equal(runSupervisor({ status: 'planning', supervisorPid: 4242, createdAt: created }, null, at), 'gone');
  // A supervisor started since (mcp run of another plan) does not hold the dead one's run.
  assert.equal(runSupervisor({ status: 'running', supervisorPid: 17, createdAt: created }, holder, at), 'gone');
});

test('a run no supervisor took yet is starting for a grace period, then gone', () => {
  const fresh = { status: 'running' as const, supervisorPid: null, createdAt: created };
  assert.equal(runSupervisor(fresh, null, at + 1000), 'starting');
  assert.equal(runSupervisor(fresh, holder, at + 1000), 'starting');
  assert.equal(runSupervisor(fresh, null, at + UNCLAIMED_GRACE_MS), 'gone');
});

test('recoverRun makes the run its caller\'s before stopping anything, so it never looks abandoned meanwhile', async () => {
  const { dir, root, store } = tempStateRoot('recovery');
  store.createRun({ run: { id: 'rrecov001', objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: created }, tasks: [] });
  store.updateRun('rrecov001', { supervisorPid: 17 });
  const run = store.resolveRun('rrecov001');
  await recoverRun(root, store, run, 0);
  assert.equal(store.getRun('rrecov001')?.supervisorPid, process.pid);
});
