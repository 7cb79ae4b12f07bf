import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { keepSnapshotOfLostStore, SnapshotWriter, writeSnapshot } from './snapshot.js';
import { type NewTask, TaskStore } from './task-store.js';
import { allRunViewsJson } from './views.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-snapshot-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function task(runId: string, key: string, position: number): NewTask {
  return {
    id: `${runId}-${key}`,
    runId,
    key,
    position,
    planVersion: 1,
    title: `Task ${key}`,
    kind: 'command',
    mode: 'exec',
    prompt: null,
    command: ['node', '-e', '0'],
    dependsOn: [],
    acceptance: null,
    timeoutSeconds: null,
    status: 'pending',
    workspace: null,
    branch: null,
    updatedAt: '2024-05-01T10:00:00.000Z',
  };
}

function addRun(store: TaskStore, runId: string, createdAt: string, keys: string[]): void {
  store.createRun({
    run: { id: runId, objective: `objective ${runId}`, status: 'running', project: '/proj', planJson: '{}', parallel: 2, options: {}, createdAt },
    tasks: keys.map((key, i) => task(runId, key, i)),
  });
}

function endRun(store: TaskStore, runId: string, keys: string[]): void {
  for (const key of keys) store.updateTask(`${runId}-${key}`, { status: 'succeeded', startedAt: '2024-05-01T10:00:01.000Z', endedAt: '2024-05-01T10:00:02.000Z' });
  store.updateRun(runId, { status: 'succeeded', startedAt: '2024-05-01T10:00:00.000Z', endedAt: '2024-05-01T10:00:03.000Z' });
}

/** The snapshot's runs, and what a fresh read of the whole store gives at the same moment. */
function compare(file: string, store: TaskStore): { written: unknown; fresh: unknown } {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { runs: unknown };
  return { written: doc.runs, fresh: JSON.parse(allRunViewsJson(store).toString('utf8')) };
}

test('SnapshotWriter: ended runs are remembered, and what it writes stays what a fresh read gives', (t) => {
  const dbFile = path.join(tmp, 'a.db');
  const file = path.join(tmp, 'a.json');
  const store = TaskStore.open(dbFile);
  t.after(() => store.close());
  const writer = new SnapshotWriter(store, file, (error) => assert.fail(String(error)));
  addRun(store, 'rsnap0001', '2024-05-01T09:00:00.000Z', ['a', 'b']);
  endRun(store, 'rsnap0001', ['a', 'b']);
  addRun(store, 'rsnap0002', '2024-05-01T10:00:00.000Z', ['c']);
  writer.flush();
  let { written, fresh } = compare(file, store);
  assert.deepEqual(written, fresh);

  // A change to the live run: the ended run comes from memory, the live one is read again.
  store.updateTask('rsnap0002-c', { status: 'running', startedAt: '2024-05-01T10:00:01.000Z' });
  writer.flush();
  ({ written, fresh } = compare(file, store));
  const byId = (runs: unknown, id: string): { tasks: { status: string; reason: string | null }[] } => (runs as { id: string; tasks: { status: string; reason: string | null }[] }[]).find((r) => r.id === id)!;
  assert.equal(byId(written, 'rsnap0002').tasks[0]!.status, 'running');
  assert.deepEqual(byId(written, 'rsnap0001'), byId(fresh, 'rsnap0001'));

  // A change to the ended run through this store is seen (the run's memory is dropped).
  store.updateTask('rsnap0001-b', { reason: 'changed after the end' });
  writer.flush();
  ({ written, fresh } = compare(file, store));
  assert.equal(byId(written, 'rsnap0001').tasks[1]!.reason, 'changed after the end');
  assert.deepEqual(byId(written, 'rsnap0001'), byId(fresh, 'rsnap0001'));
});

test('SnapshotWriter: a change another process made to an ended run is seen too', (t) => {
  const dbFile = path.join(tmp, 'b.db');
  const file = path.join(tmp, 'b.json');
  const store = TaskStore.open(dbFile);
  t.after(() => store.close());
  const writer = new SnapshotWriter(store, file, (error) => assert.fail(String(error)));
  addRun(store, 'rsnap0003', '2024-05-01T09:00:00.000Z', ['a']);
  endRun(store, 'rsnap0003', ['a']);
  writer.flush();

  const other = TaskStore.open(dbFile);
  other.updateTask('rsnap0003-a', { workspace: null, reason: 'cleaned by another process' });
  other.close();
  writer.flush();
  const { written, fresh } = compare(file, store);
  assert.deepEqual(written, fresh);
  assert.equal((written as { tasks: { reason: string | null }[] }[])[0]!.tasks[0]!.reason, 'cleaned by another process');
});

test('SnapshotWriter.flush writes only when something changed', (t) => {
  const dbFile = path.join(tmp, 'c.db');
  const file = path.join(tmp, 'c.json');
  const store = TaskStore.open(dbFile);
  t.after(() => store.close());
  const writer = new SnapshotWriter(store, file, (error) => assert.fail(String(error)));
  addRun(store, 'rsnap0004', '2024-05-01T09:00:00.000Z', ['a']);
  writer.flush();
  rmSync(file);
  writer.flush();
  assert.equal(existsSync(file), false);
  store.updateRun('rsnap0004', { status: 'failed' });
  writer.flush();
  assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { runs: { status: string }[] }).runs[0]!.status, 'failed');
});

test('keepSnapshotOfLostStore: a snapshot of runs whose store is gone is renamed aside, whole; otherwise nothing moves', () => {
  const dir = path.join(tmp, 'lost');
  mkdirSync(dir);
  const dbFile = path.join(dir, 'tasks.db');
  const file = path.join(dir, 'snapshot.json');
  const store = TaskStore.open(dbFile);
  addRun(store, 'rsnap0005', '2024-05-01T09:00:00.000Z', ['a']);
  addRun(store, 'rsnap0006', '2024-05-01T10:00:00.000Z', ['b']);
  writeSnapshot(store, file);
  store.close();
  const text = readFileSync(file, 'utf8');

  // The store is still there: the snapshot is its copy, rewritten as usual.
  assert.equal(keepSnapshotOfLostStore(dbFile, file), null);
  assert.equal(readFileSync(file, 'utf8'), text);

  rmSync(dbFile);
  const kept = keepSnapshotOfLostStore(dbFile, file, new Date('2024-05-02T08:09:10.123Z'));
  assert.deepEqual(kept, { file: path.join(dir, 'snapshot-2024-05-02T08-09-10-123Z.json'), runs: 2 });
  assert.equal(readFileSync(kept.file, 'utf8'), text);
  assert.equal(existsSync(file), false);

  // A snapshot of no runs holds nothing to lose; one that cannot be read might.
  writeFileSync(file, '{"generatedAt":"2024-05-02T00:00:00.000Z","runs":[]}\n');
  assert.equal(keepSnapshotOfLostStore(dbFile, file), null);
  assert.ok(existsSync(file));
  writeFileSync(file, '{"runs":[{"id":"r');
  assert.equal(keepSnapshotOfLostStore(dbFile, file, new Date('2024-05-03T00:00:00.000Z'))?.runs, Infinity);
  assert.deepEqual(readdirSync(dir).sort(), ['snapshot-2024-05-02T08-09-10-123Z.json', 'snapshot-2024-05-03T00-00-00-000Z.json']);
});
