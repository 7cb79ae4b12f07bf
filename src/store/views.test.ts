import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type { TaskState } from '../domain/task-state.js';
import type { TaskPatch } from './records.js';
import { type NewTask, TaskStore } from './task-store.js';
import { allRunViews, allRunViewsJson as viewsJson, allRunViewsJsonParts, runView, type RunSupervisor } from './views.js';

// The tests read the UTF-8 bytes as text.
const allRunViewsJson = (store: TaskStore, options: { runId?: string; now?: number }): string => viewsJson(store, options).toString('utf8');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-views-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function openStore(): { store: TaskStore; file: string } {
  counter += 1;
  const file = path.join(tmp, `tasks-${counter}.db`);
  return { store: TaskStore.open(file), file };
}

function task(runId: string, key: string, position: number, extra: Partial<NewTask> = {}): NewTask {
  return {
    id: `${runId}-${key}`,
    runId,
    key,
    position,
    planVersion: 1,
    title: `Task ${key}`,
    kind: 'prompt',
    mode: 'exec',
    prompt: 'do it',
    command: null,
    dependsOn: [],
    acceptance: null,
    timeoutSeconds: null,
    status: 'pending',
    workspace: null,
    branch: null,
    updatedAt: '2024-05-01T10:00:00.000Z',
    ...extra,
  };
}

function addRun(store: TaskStore, runId: string, createdAt: string, tasks: NewTask[]): void {
  store.createRun({
    run: { id: runId, objective: `objective "${runId}"\n`, status: 'running', project: '/proj/é', planJson: '{}', parallel: 2, options: {}, createdAt },
    tasks,
  });
}

const NOW = Date.parse('2024-05-01T10:05:00.000Z');

/** Every kind of row the views meet: not started, running, ended, skewed clocks, superseded, odd text. */
function varied(store: TaskStore): void {
  addRun(store, 'rview0001', '2024-05-01T10:00:00.000Z', [
    task('rview0001', 'build', 0, { workspace: '/state/runs/rview0001-build/workspace', branch: 'mcp/rview0001-build' }),
    task('rview0001', 'test', 1, { dependsOn: ['build'], kind: 'command', command: ['npm', 'test'] }),
    task('rview0001', 'docs', 2, { mode: 'interactive', title: 'Tab\there, "quotes", back\\slash, \u0001, \u2028, emoji 🎉, accents é' }),
    task('rview0001', 'old', 3, { dependsOn: ['build', 'test'] }),
    task('rview0001', 'skew', 4),
  ]);
  const patches: [string, TaskPatch][] = [
    ['rview0001-build', { status: 'succeeded', attempts: 1, exitCode: 0, startedAt: '2024-05-01T10:00:01.250Z', endedAt: '2024-05-01T10:00:04.001Z', sessionId: 's-1', pid: 4242 }],
    ['rview0001-test', { status: 'running', attempts: 2, startedAt: '2024-05-01T10:01:00.000Z', pid: 77 }],
    ['rview0001-docs', { status: 'failed', attempts: 3, exitCode: null, signal: 'SIGHUP', reason: 'line 1\nline 2\r\n\u001b[31mred\u001b[0m', startedAt: '2024-05-01T10:00:00.000Z', endedAt: '2024-05-01T10:00:00.000Z' }],
    ['rview0001-old', { status: 'blocked', superseded: true }],
    ['rview0001-skew', { status: 'killed', startedAt: '2024-05-01T10:00:09.000Z', endedAt: '2024-05-01T10:00:08.000Z' }],
  ];
  for (const [id, patch] of patches) store.updateTask(id, patch);
  store.addTasks('rview0001', [task('rview0001', 'old-v2', 5, { planVersion: 2, dependsOn: ['build'] })], { planVersion: 2, replans: 1 });
  addRun(store, 'rview0002', '2024-05-01T09:00:00.000Z', [task('rview0002', 'only', 0)]);
  addRun(store, 'rview0003', '2024-05-01T11:00:00.000Z', []);
  store.updateRun('rview0002', { status: 'succeeded', startedAt: '2024-05-01T09:00:00.000Z', endedAt: '2024-05-01T09:00:30.000Z' });
}

test('allRunViewsJson: the same text as JSON.stringify(allRunViews), for every kind of task', (t) => {
  const { store } = openStore();
  t.after(() => store.close());
  varied(store);
  const views = allRunViews(store, NOW);
  assert.equal(allRunViewsJson(store, { now: NOW }), JSON.stringify(views));
  // Runs in creation order, the run with no task included; durations as the JS view has them.
  assert.deepEqual(views.map((run) => run.id), ['rview0002', 'rview0001', 'rview0003']);
  const tasks = views[1]?.tasks ?? [];
  assert.deepEqual(tasks.map((x) => x.durationMs), [2751, 240_000, 0, null, 0, null]);
  assert.deepEqual(views[1]?.counts, { succeeded: 1, running: 1, failed: 1, killed: 1, pending: 1 });
});

test('allRunViewsJson: one run, as a one-element array equal to runView', (t) => {
  const { store } = openStore();
  t.after(() => store.close());
  varied(store);
  const run = store.resolveRun('rview0001');
  assert.equal(allRunViewsJson(store, { runId: 'rview0001', now: NOW }), JSON.stringify([runView(run, store.taskSummaries(run.id), NOW)]));
  assert.equal(allRunViewsJson(store, { runId: 'rview0003', now: NOW }), JSON.stringify([runView(store.resolveRun('rview0003'), [], NOW)]));
});

test('allRunViewsJson: tasks come in plan position order even when stored in another order', (t) => {
  const { store } = openStore();
  t.after(() => store.close());
  addRun(store, 'rorder001', '2024-05-01T10:00:00.000Z', [task('rorder001', 'c', 2), task('rorder001', 'a', 0), task('rorder001', 'b', 1)]);
  addRun(store, 'rorder000', '2024-05-01T09:00:00.000Z', [task('rorder000', 'y', 1), task('rorder000', 'x', 0)]);
  store.addTasks('rorder000', [task('rorder000', 'w', -1)]);
  const parsed = JSON.parse(allRunViewsJson(store, { now: NOW })) as { id: string; tasks: { key: string }[] }[];
  assert.deepEqual(parsed.map((run) => [run.id, run.tasks.map((x) => x.key)]), [['rorder000', ['w', 'x', 'y']], ['rorder001', ['a', 'b', 'c']]]);
  assert.equal(allRunViewsJson(store, { now: NOW }), JSON.stringify(allRunViews(store, NOW)));
});

test('allRunViewsJson: any text in titles, reasons and ids gives the same JSON as the JS view', (t) => {
  const { store } = openStore();
  t.after(() => store.close());
  let runs = 0;
  const states: TaskState[] = ['pending', 'running', 'succeeded', 'failed', 'blocked'];
  fc.assert(
    fc.property(
      fc.array(fc.record({ title: fc.string({ unit: 'binary' }), reason: fc.option(fc.string({ unit: 'binary' })), state: fc.constantFrom(...states), startedMs: fc.option(fc.integer({ min: 0, max: 4e12 })), lengthMs: fc.option(fc.integer({ min: -5000, max: 1e9 })) }), { maxLength: 6 }),
      (specs) => {
        runs += 1;
        const runId = `rfuzz${String(runs).padStart(4, '0')}`;
        addRun(store, runId, new Date(runs * 1000).toISOString(), specs.map((spec, i) => task(runId, `k${i}`, i, { title: spec.title, dependsOn: i > 0 ? [`k${i - 1}`] : [] })));
        specs.forEach((spec, i) => {
          const startedAt = spec.startedMs === null ? null : new Date(spec.startedMs).toISOString();
          const endedAt = spec.startedMs === null || spec.lengthMs === null ? null : new Date(Math.max(0, spec.startedMs + spec.lengthMs)).toISOString();
          store.updateTask(`${runId}-k${i}`, { status: spec.state, reason: spec.reason, startedAt, endedAt });
        });
        const run = store.resolveRun(runId);
        assert.equal(allRunViewsJson(store, { runId, now: NOW }), JSON.stringify([runView(run, store.taskSummaries(runId), NOW)]));
      },
    ),
    { numRuns: 150 },
  );
});

test('migration 2: a store written before it gets its millisecond columns filled in', (t) => {
  const { store, file } = openStore();
  varied(store);
  const before = allRunViewsJson(store, { now: NOW });
  store.close();
  // Back to the schema of version 1, as an older mcp left it.
  const db = new Database(file);
  db.exec('DROP INDEX tasks_live_states; ALTER TABLE tasks DROP COLUMN started_ms; ALTER TABLE tasks DROP COLUMN ended_ms; ALTER TABLE runs DROP COLUMN supervisor_start;');
  db.pragma('user_version = 1');
  db.close();
  const reopened = TaskStore.open(file);
  t.after(() => reopened.close());
  assert.equal(allRunViewsJson(reopened, { now: NOW }), before);
  assert.equal(allRunViewsJson(reopened, { now: NOW }), JSON.stringify(allRunViews(reopened, NOW)));
});

test("a run whose supervisor is gone stops its clock at its last task update: its time and its running tasks' stop climbing, in the view and in status's JSON", () => {
  const { store } = openStore();
  const started = new Date(Date.now() - 60_000).toISOString();
  addRun(store, 'rgone0001', '2024-05-01T10:00:00.000Z', [task('rgone0001', 'a', 0), task('rgone0001', 'b', 1)]);
  store.updateRun('rgone0001', { startedAt: started });
  store.updateTask('rgone0001-a', { status: 'running', startedAt: started });
  const last = Date.parse(store.getTask('rgone0001-a')?.updatedAt ?? '');
  const later = last + 3_600_000;
  const run = store.resolveRun('rgone0001');
  const json = (supervisor: RunSupervisor): string => Buffer.concat(allRunViewsJsonParts(store, { now: later, supervisorOf: () => supervisor })).toString('utf8');

  const gone = runView(run, store.taskSummaries('rgone0001'), later, () => 'gone');
  assert.equal(gone.durationMs, last - Date.parse(started));
  assert.equal(gone.tasks[0]?.durationMs, last - Date.parse(started));
  assert.equal(gone.tasks[1]?.durationMs, null);
  assert.equal(json('gone'), JSON.stringify([gone]));
  // Its supervisor alive, the same run counts up to now.
  const live = runView(run, store.taskSummaries('rgone0001'), later, () => 'live');
  assert.equal(live.durationMs, later - Date.parse(started));
  assert.equal(live.tasks[0]?.durationMs, later - Date.parse(started));
  assert.equal(json('live'), JSON.stringify([live]));
});
