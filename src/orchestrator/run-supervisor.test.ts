import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { NoSupervisorError } from '../domain/errors.js';
import { tempStateRoot } from '../store/test-support.js';
import { processStartTime } from '../terminal/process-info.js';
import { recoverRun } from './recovery.js';
import { runSupervisor, supervisorGoneError, supervisorOfRuns, UNCLAIMED_GRACE_MS } from './run-supervisor.js';
import { thisProcess } from './supervisor-lock.js';

const created = '2024-05-01T10:00:00.000Z';
const at = Date.parse(created);
const holder = { pid: 4242, start: '99' };

test('an ended run has no supervisor to ask about', () => {
  for (const status of ['succeeded', 'failed', 'killed'] as const) assert.equal(runSupervisor({ status, supervisorPid: null, supervisorStart: null, createdAt: created }, null, at), null);
});

test('a run is live only while the supervisor that took it holds the lock', () => {
  assert.equal(runSupervisor({ status: 'running', supervisorPid: 4242, supervisorStart: '99', createdAt: created }, holder, at), 'live');
  assert.equal(runSupervisor({ status: 'planning', supervisorPid: 4242, supervisorStart: '99', createdAt: created }, null, at), 'gone');
  // A supervisor started since (mcp run of another plan) does not hold the dead one's run.
  assert.equal(runSupervisor({ status: 'running', supervisorPid: 17, supervisorStart: '99', createdAt: created }, holder, at), 'gone');
});

test('a run whose supervisor died is gone even when the supervisor holding the lock now was given its PID', () => {
  const taken = { status: 'running' as const, supervisorPid: 4242, createdAt: created };
  assert.equal(runSupervisor({ ...taken, supervisorStart: '50' }, holder, at), 'gone');
  assert.equal(runSupervisor({ ...taken, supervisorStart: '99' }, holder, at), 'live');
  // A run from a store that kept no start time goes by its PID alone, as before.
  assert.equal(runSupervisor({ ...taken, supervisorStart: null }, holder, at), 'live');
});

test('status reads the start time the store recorded: a run taken by an earlier process of the PID now holding the lock is gone', () => {
  const { dir, root, store } = tempStateRoot('pid-reuse');
  store.createRun({ run: { id: 'rreuse001', objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: created }, tasks: [] });
  // This process holds the lock; the run was taken by another process that had this PID before.
  writeFileSync(root.lockPath, JSON.stringify(thisProcess()));
  store.updateRun('rreuse001', { supervisorPid: process.pid, supervisorStart: `${processStartTime(process.pid)}0` });
  assert.equal(supervisorOfRuns(root.lockPath)(store.resolveRun('rreuse001')), 'gone');
  store.updateRun('rreuse001', { supervisorPid: process.pid, supervisorStart: processStartTime(process.pid) });
  assert.equal(supervisorOfRuns(root.lockPath)(store.resolveRun('rreuse001')), 'live');
});

test('a run no supervisor took yet is starting for a grace period, then gone', () => {
  const fresh = { status: 'running' as const, supervisorPid: null, supervisorStart: null, createdAt: created };
  assert.equal(runSupervisor(fresh, null, at + 1000), 'starting');
  assert.equal(runSupervisor(fresh, holder, at + 1000), 'starting');
  assert.equal(runSupervisor(fresh, null, at + UNCLAIMED_GRACE_MS), 'gone');
});

test('a wait that a gone supervisor ends says what will not end and which run to resume, exit 4', () => {
  const run = supervisorGoneError('r1');
  assert.ok(run instanceof NoSupervisorError);
  assert.equal(run.exitCode, 4);
  assert.equal(run.message, 'run r1 will not end: its supervisor is gone');
  assert.equal(run.hint, 'finish it with: mcp resume r1');
  const task = supervisorGoneError('r1', 'r1-a');
  assert.equal(task.message, 'task r1-a will not end: the supervisor of run r1 is gone');
  assert.equal(task.hint, 'finish the run with: mcp resume r1');
});

test('recoverRun makes the run its caller\'s before stopping anything, so it never looks abandoned meanwhile', async () => {
  const { dir, root, store } = tempStateRoot('recovery');
  store.createRun({ run: { id: 'rrecov001', objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: created }, tasks: [] });
  store.updateRun('rrecov001', { supervisorPid: 17 });
  const run = store.resolveRun('rrecov001');
  await recoverRun(root, store, run, 0);
  assert.equal(store.getRun('rrecov001')?.supervisorPid, process.pid);
  assert.equal(store.getRun('rrecov001')?.supervisorStart, processStartTime(process.pid));
});
