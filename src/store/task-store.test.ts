import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { NotFoundError, StateRootError } from '../domain/errors.js';
import { openDatabase, SCHEMA_VERSION } from './database.js';
import { writeSnapshot } from './snapshot.js';
import { type NewRun, type NewTask, TaskStore } from './task-store.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-store-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function dbFile(): string {
  counter += 1;
  return path.join(tmp, `tasks-${counter}.db`);
}

function newRun(runId: string, createdAt: string, keys: string[] = ['build', 'test']): NewRun {
  return {
    run: { id: runId, objective: `objective of ${runId}`, status: 'running', project: '/proj', planJson: '{"tasks":[]}', parallel: 2, options: {}, createdAt },
    tasks: keys.map((key, position) => ({
      id: `${runId}-${key}`,
      runId,
      key,
      position,
      planVersion: 1,
      title: `Task ${key}`,
      kind: position === 0 ? 'prompt' : 'command',
      mode: 'exec',
      prompt: position === 0 ? `do ${key}` : null,
      command: position === 0 ? null : ['npm', 'run', key],
      dependsOn: position === 0 ? [] : [keys[position - 1] ?? ''],
      acceptance: null,
      timeoutSeconds: position === 0 ? null : 12.5,
      status: 'pending',
      workspace: null,
      branch: `mcp/${runId}-${key}`,
      updatedAt: createdAt,
    })),
  };
}

function expectThrows<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof type, `expected ${type.name}, got ${String(caught)}`);
  return caught;
}

test('TaskStore: createRun, then getRun and tasksOf return what was stored', (t) => {
  const store = TaskStore.open(dbFile());
  t.after(() => store.close());
  let changes = 0;
  store.onChange(() => (changes += 1));
  store.createRun(newRun('raaaaaaa1', '2024-05-01T10:00:00.000Z'));
  assert.equal(changes, 1);
  assert.deepEqual(store.getRun('raaaaaaa1'), {
    id: 'raaaaaaa1',
    objective: 'objective of raaaaaaa1',
    status: 'running',
    project: '/proj',
    planJson: '{"tasks":[]}',
    planVersion: 1,
    parallel: 2,
    reason: null,
    supervisorPid: null,
    supervisorStart: null,
    baseCommit: null,
    resultBranch: null,
    resultSummary: null,
    replans: 0,
    options: {},
    createdAt: '2024-05-01T10:00:00.000Z',
    startedAt: null,
    endedAt: null,
  });
  const tasks = store.tasksOf('raaaaaaa1');
  assert.equal(tasks.length, 2);
  assert.deepEqual(tasks[1], {
    id: 'raaaaaaa1-test',
    runId: 'raaaaaaa1',
    key: 'test',
    position: 1,
    planVersion: 1,
    superseded: false,
    title: 'Task test',
    kind: 'command',
    mode: 'exec',
    prompt: null,
    command: ['npm', 'run', 'test'],
    dependsOn: ['build'],
    acceptance: null,
    timeoutSeconds: 12.5,
    status: 'pending',
    attempts: 0,
    exitCode: null,
    signal: null,
    reason: null,
    pid: null,
    pidStart: null,
    sessionId: null,
    workspace: null,
    branch: 'mcp/raaaaaaa1-test',
    startedAt: null,
    endedAt: null,
    updatedAt: '2024-05-01T10:00:00.000Z',
  });
  assert.deepEqual(tasks[0]?.dependsOn, []);
  assert.equal(tasks[0]?.command, null);
  assert.equal(tasks[0]?.prompt, 'do build');
  assert.equal(store.getRun('nope'), undefined);
  assert.deepEqual(store.tasksOf('nope'), []);
});

test('TaskStore: updateTask and updateRun round-trip fields, JSON ones included', (t) => {
  const store = TaskStore.open(dbFile());
  t.after(() => store.close());
  store.createRun(newRun('rbbbbbbb1', '2024-05-01T10:00:00.000Z'));
  let changes = 0;
  store.onChange(() => (changes += 1));
  const before = Date.now();
  store.updateTask('rbbbbbbb1-build', {
    status: 'failed',
    attempts: 2,
    exitCode: 1,
    signal: 'SIGTERM',
    reason: 'exit 1: "quoted" \n multi-line',
    pid: 4242,
    pidStart: '123456',
    sessionId: '01a2146b-e91b-7000-89d6-95c5978b62c2',
    command: ['git', 'commit', '-m', 'with "quotes" and spaces'],
    dependsOn: ['x', 'y'],
    workspace: '/tmp/work space/é',
    startedAt: '2024-05-01T10:00:01.000Z',
    endedAt: '2024-05-01T10:00:02.000Z',
  });
  assert.equal(changes, 1);
  const task = store.getTask('rbbbbbbb1-build');
  assert.ok(task);
  assert.equal(task.status, 'failed');
  assert.equal(task.attempts, 2);
  assert.equal(task.exitCode, 1);
  assert.equal(task.signal, 'SIGTERM');
  assert.equal(task.reason, 'exit 1: "quoted" \n multi-line');
  assert.equal(task.pid, 4242);
  assert.equal(task.pidStart, '123456');
  assert.equal(task.sessionId, '01a2146b-e91b-7000-89d6-95c5978b62c2');
  assert.deepEqual(task.command, ['git', 'commit', '-m', 'with "quotes" and spaces']);
  assert.deepEqual(task.dependsOn, ['x', 'y']);
  assert.equal(task.workspace, '/tmp/work space/é');
  assert.equal(task.startedAt, '2024-05-01T10:00:01.000Z');
  // updatedAt is stamped by the store, not kept from creation.
  assert.ok(Date.parse(task.updatedAt) >= before - 1000, task.updatedAt);
  assert.notEqual(task.updatedAt, '2024-05-01T10:00:00.000Z');
  // The other task is untouched.
  assert.equal(store.getTask('rbbbbbbb1-test')?.status, 'pending');

  // null clears, undefined leaves alone.
  store.updateTask('rbbbbbbb1-build', { command: null, pid: null, reason: undefined });
  const cleared = store.getTask('rbbbbbbb1-build');
  assert.equal(cleared?.command, null);
  assert.equal(cleared?.pid, null);
  assert.equal(cleared?.reason, 'exit 1: "quoted" \n multi-line');

  store.updateTask('rbbbbbbb1-test', { superseded: true });
  assert.equal(store.getTask('rbbbbbbb1-test')?.superseded, true);
  store.updateTask('rbbbbbbb1-test', { superseded: false });
  assert.equal(store.getTask('rbbbbbbb1-test')?.superseded, false);

  store.updateRun('rbbbbbbb1', {
    status: 'failed',
    reason: 'build failed',
    supervisorPid: 99,
    supervisorStart: '123456',
    planVersion: 2,
    replans: 1,
    options: { maxAttempts: 3, taskTimeoutMs: 60000 },
    resultBranch: 'mcp/run-rbbbbbbb1',
    endedAt: '2024-05-01T10:01:00.000Z',
  });
  const run = store.getRun('rbbbbbbb1');
  assert.equal(run?.status, 'failed');
  assert.equal(run?.reason, 'build failed');
  assert.equal(run?.supervisorPid, 99);
  assert.equal(run?.supervisorStart, '123456');
  assert.equal(run?.planVersion, 2);
  assert.equal(run?.replans, 1);
  assert.deepEqual(run?.options, { maxAttempts: 3, taskTimeoutMs: 60000 });
  assert.equal(run?.resultBranch, 'mcp/run-rbbbbbbb1');
  assert.equal(run?.endedAt, '2024-05-01T10:01:00.000Z');
});

test('TaskStore: run options given at creation round-trip', (t) => {
  const store = TaskStore.open(dbFile());
  t.after(() => store.close());
  const input = newRun('rggggggg1', '2024-05-01T10:00:00.000Z');
  input.run.options = { maxAttempts: 2, maxReplans: 1, idleTimeoutMs: 5000, backoffMs: 100 };
  store.createRun(input);
  assert.deepEqual(store.getRun('rggggggg1')?.options, { maxAttempts: 2, maxReplans: 1, idleTimeoutMs: 5000, backoffMs: 100 });
});

test('TaskStore: addTasks, and a key resolves to the live task of the newest plan version', (t) => {
  const store = TaskStore.open(dbFile());
  t.after(() => store.close());
  store.createRun(newRun('rhhhhhhh1', '2024-05-01T10:00:00.000Z'));
  let changes = 0;
  store.onChange(() => (changes += 1));
  const [base] = newRun('rhhhhhhh1', '2024-05-01T10:05:00.000Z', ['build']).tasks;
  assert.ok(base);
  const replacement: NewTask = { ...base, id: 'rhhhhhhh1-build-v2', position: 2, planVersion: 2 };
  store.addTasks('rhhhhhhh1', [replacement], { planVersion: 2, replans: 1 });
  store.updateTask('rhhhhhhh1-build', { superseded: true });
  assert.equal(changes, 2);
  assert.deepEqual(
    store.tasksOf('rhhhhhhh1').map((task) => [task.id, task.planVersion, task.superseded]),
    [
      ['rhhhhhhh1-build', 1, true],
      ['rhhhhhhh1-test', 1, false],
      ['rhhhhhhh1-build-v2', 2, false],
    ],
  );
  assert.equal(store.getRun('rhhhhhhh1')?.planVersion, 2);
  assert.equal(store.getRun('rhhhhhhh1')?.replans, 1);
  assert.equal(store.resolveTask('build').id, 'rhhhhhhh1-build-v2');
  assert.equal(store.resolveTask('rhhhhhhh1-build').id, 'rhhhhhhh1-build');
});

test('TaskStore: resolveTask by full id and by key, the latest run winning', (t) => {
  const store = TaskStore.open(dbFile());
  t.after(() => store.close());
  // The newer run is inserted first: "latest" is by creation time, not insertion order.
  store.createRun(newRun('rccccccc2', '2024-05-02T10:00:00.000Z'));
  store.createRun(newRun('rccccccc1', '2024-05-01T10:00:00.000Z', ['build', 'only-old']));
  assert.equal(store.resolveTask('rccccccc1-build').runId, 'rccccccc1');
  assert.equal(store.resolveTask('rccccccc2-build').runId, 'rccccccc2');
  assert.equal(store.resolveTask('build').id, 'rccccccc2-build');
  assert.equal(store.resolveTask('test').id, 'rccccccc2-test');
  // A key only an older run has still resolves to that run's task.
  assert.equal(store.resolveTask('only-old').id, 'rccccccc1-only-old');
  assert.equal(store.latestRun()?.id, 'rccccccc2');
  assert.deepEqual(
    store.listRuns().map((r) => r.id),
    ['rccccccc1', 'rccccccc2'],
  );
  assert.deepEqual(
    store.allTasks().map((task) => task.id),
    ['rccccccc1-build', 'rccccccc1-only-old', 'rccccccc2-build', 'rccccccc2-test'],
  );
  assert.equal(store.resolveRun('rccccccc1').id, 'rccccccc1');
});

test('TaskStore: unknown refs are NotFoundError', (t) => {
  const store = TaskStore.open(dbFile());
  t.after(() => store.close());
  assert.equal(store.latestRun(), undefined);
  store.createRun(newRun('rddddddd1', '2024-05-01T10:00:00.000Z'));
  const task = expectThrows(() => store.resolveTask('ghost'), NotFoundError);
  assert.equal(task.exitCode, 3);
  assert.equal(task.message, 'no task "ghost" in this state root');
  const run = expectThrows(() => store.resolveRun('rzzzzzzz9'), NotFoundError);
  assert.equal(run.message, 'no run "rzzzzzzz9" in this state root');
  expectThrows(() => store.resolveTask(''), NotFoundError);
});

test('openDatabase: user_version is SCHEMA_VERSION, the journal is WAL', () => {
  const file = dbFile();
  const db = openDatabase(file);
  try {
    assert.equal(SCHEMA_VERSION, 3);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  } finally {
    db.close();
  }
});

test('TaskStore: reopening an existing store keeps its data and migrates nothing twice', () => {
  const file = dbFile();
  const first = TaskStore.open(file);
  first.createRun(newRun('reeeeeee1', '2024-05-01T10:00:00.000Z'));
  first.updateTask('reeeeeee1-build', { status: 'succeeded' });
  first.close();
  const second = TaskStore.open(file);
  try {
    assert.equal(second.getRun('reeeeeee1')?.objective, 'objective of reeeeeee1');
    assert.equal(second.getTask('reeeeeee1-build')?.status, 'succeeded');
  } finally {
    second.close();
  }
  const reader = TaskStore.open(file, { readonly: true });
  try {
    assert.equal(reader.tasksOf('reeeeeee1').length, 2);
  } finally {
    reader.close();
  }
});

test('migration 3: a store from before supervisor start times opens, read-only as well, its runs with none recorded', () => {
  const file = dbFile();
  const first = TaskStore.open(file);
  first.createRun(newRun('rhhhhhhh1', '2024-05-01T10:00:00.000Z'));
  first.updateRun('rhhhhhhh1', { supervisorPid: 4242 });
  first.close();
  // Back to the schema of version 2, as an older mcp left it.
  const db = openDatabase(file);
  db.exec('ALTER TABLE runs DROP COLUMN supervisor_start');
  db.pragma('user_version = 2');
  db.close();
  const reader = TaskStore.open(file, { readonly: true });
  try {
    assert.equal(reader.getRun('rhhhhhhh1')?.supervisorPid, 4242);
    assert.equal(reader.getRun('rhhhhhhh1')?.supervisorStart, null);
  } finally {
    reader.close();
  }
  const store = TaskStore.open(file);
  try {
    assert.equal(store.getRun('rhhhhhhh1')?.supervisorStart, null);
    store.updateRun('rhhhhhhh1', { supervisorPid: 4243, supervisorStart: '777' });
    assert.equal(store.getRun('rhhhhhhh1')?.supervisorStart, '777');
  } finally {
    store.close();
  }
});

test('openDatabase: a garbage tasks.db is a StateRootError pointing at snapshot.json', () => {
  const dir = mkdtempSync(path.join(tmp, 'garbage-'));
  const file = path.join(dir, 'tasks.db');
  writeFileSync(file, Buffer.from('this is not a database, just some bytes\n'.repeat(200)));
  const error = expectThrows(() => TaskStore.open(file), StateRootError);
  assert.equal(error.exitCode, 2);
  assert.equal(error.message, `${file} is corrupt (SQLITE_NOTADB)`);
  assert.match(error.hint ?? '', /snapshot\.json/);
  // The file is left as it was.
  assert.equal(readFileSync(file, 'utf8'), 'this is not a database, just some bytes\n'.repeat(200));
});

test('openDatabase: a store from a newer mcp is refused', () => {
  const file = dbFile();
  const db = openDatabase(file);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  const error = expectThrows(() => openDatabase(file), StateRootError);
  assert.equal(error.message, `${file} has schema version ${SCHEMA_VERSION + 1}, newer than this mcp (${SCHEMA_VERSION})`);
});

test('openDatabase: a read-only open of a missing store is a StateRootError', () => {
  const file = path.join(tmp, 'missing-tasks.db');
  const error = expectThrows(() => openDatabase(file, { readonly: true }), StateRootError);
  assert.equal(error.message, `${file} cannot be opened`);
  assert.equal(existsSync(file), false);
});

// better-sqlite3 throws a TypeError (no SQLite code) when the directory is missing.
test('openDatabase: a store in a missing directory is a StateRootError', () => {
  const file = path.join(tmp, 'missing-dir', 'tasks.db');
  expectThrows(() => openDatabase(file, { readonly: true }), StateRootError);
  expectThrows(() => openDatabase(file), StateRootError);
});

test('writeSnapshot: writes parseable JSON with runs[].tasks[] and leaves no temp file', (t) => {
  const dir = mkdtempSync(path.join(tmp, 'snap-'));
  const store = TaskStore.open(path.join(dir, 'tasks.db'));
  t.after(() => store.close());
  store.createRun(newRun('rfffffff1', '2024-05-01T10:00:00.000Z'));
  store.updateTask('rfffffff1-build', { status: 'succeeded', startedAt: '2024-05-01T10:00:00.000Z', endedAt: '2024-05-01T10:00:02.500Z' });
  const file = path.join(dir, 'snapshot.json');
  writeSnapshot(store, file);
  const data = JSON.parse(readFileSync(file, 'utf8')) as {
    generatedAt: string;
    runs: { id: string; status: string; counts: Record<string, number>; tasks: { id: string; key: string; status: string; dependsOn: string[]; durationMs: number | null }[] }[];
  };
  assert.ok(!Number.isNaN(Date.parse(data.generatedAt)));
  assert.equal(data.runs.length, 1);
  const run = data.runs[0];
  assert.equal(run?.id, 'rfffffff1');
  assert.equal(run?.status, 'running');
  assert.deepEqual(run?.counts, { succeeded: 1, pending: 1 });
  assert.deepEqual(
    run?.tasks.map((task) => [task.id, task.key, task.status, task.dependsOn, task.durationMs]),
    [
      ['rfffffff1-build', 'build', 'succeeded', [], 2500],
      ['rfffffff1-test', 'test', 'pending', ['build'], null],
    ],
  );
  assert.deepEqual(
    readdirSync(dir).filter((name) => name.includes('snapshot')),
    ['snapshot.json'],
  );
  // Rewriting replaces the file.
  store.createRun(newRun('rfffffff2', '2024-05-02T10:00:00.000Z', ['x']));
  writeSnapshot(store, file);
  const again = JSON.parse(readFileSync(file, 'utf8')) as { runs: { id: string; tasks: unknown[] }[] };
  assert.deepEqual(
    again.runs.map((r) => [r.id, r.tasks.length]),
    [
      ['rfffffff1', 2],
      ['rfffffff2', 1],
    ],
  );
});

test('TaskStore: deleteRun removes the run and its tasks, nothing else, and the snapshot follows', (t) => {
  const dir = mkdtempSync(path.join(tmp, 'delete-'));
  const store = TaskStore.open(path.join(dir, 'tasks.db'));
  t.after(() => store.close());
  store.createRun(newRun('rddddddd1', '2024-05-01T10:00:00.000Z'));
  store.createRun(newRun('rddddddd2', '2024-05-02T10:00:00.000Z', ['x']));
  store.updateRun('rddddddd1', { status: 'succeeded', endedAt: '2024-05-01T10:05:00.000Z' });
  let changes = 0;
  store.onChange(() => (changes += 1));

  assert.equal(store.deleteRun('rddddddd1'), true);
  assert.equal(changes, 1);
  assert.equal(store.getRun('rddddddd1'), undefined);
  assert.deepEqual(store.tasksOf('rddddddd1'), []);
  assert.equal(store.getTask('rddddddd1-build'), undefined);
  assert.deepEqual(store.runStates(), [{ id: 'rddddddd2', status: 'running', endedAt: null }]);
  assert.deepEqual(store.allTasks().map((task) => task.id), ['rddddddd2-x']);
  // Its key no longer resolves to it.
  assert.equal(store.resolveTask('x').id, 'rddddddd2-x');
  expectThrows(() => store.resolveTask('build'), NotFoundError);

  const file = path.join(dir, 'snapshot.json');
  writeSnapshot(store, file);
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as { runs: { id: string }[] };
  assert.deepEqual(snapshot.runs.map((run) => run.id), ['rddddddd2']);

  // Unknown: nothing deleted, no change reported.
  assert.equal(store.deleteRun('rnothere0'), false);
  assert.equal(changes, 1);
});

test('TaskStore: deleteRun is one transaction: a failure half-way leaves run and tasks as they were', (t) => {
  const file = dbFile();
  const store = TaskStore.open(file);
  t.after(() => store.close());
  store.createRun(newRun('reeeeeee1', '2024-05-01T10:00:00.000Z'));
  // A trigger that refuses the run's deletion fails the second statement, after the tasks went.
  const raw = openDatabase(file);
  raw.exec(`CREATE TRIGGER keep_runs BEFORE DELETE ON runs BEGIN SELECT RAISE(ABORT, 'refused'); END;`);
  raw.close();
  assert.throws(() => store.deleteRun('reeeeeee1'), /refused/);
  assert.equal(store.tasksOf('reeeeeee1').length, 2);
  assert.ok(store.getRun('reeeeeee1'));
});

test('TaskStore.open orReadCopy: a store SQLite cannot open in place (its -shm cannot be made) is read from a copy, WAL included, that nobody can write', (t) => {
  const copies = path.join(tmp, 'copies');
  mkdirSync(copies);
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = copies;
  t.after(() => (tmpdir === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = tmpdir)));

  // A store whose last commit is still in its WAL, as on a read-only copy taken during a run.
  const live = dbFile();
  const writer = TaskStore.open(live);
  t.after(() => writer.close());
  writer.createRun(newRun('rro000001', '2024-05-01T10:00:00.000Z'));
  const checkpoint = openDatabase(live);
  checkpoint.pragma('wal_checkpoint(TRUNCATE)');
  checkpoint.close();
  writer.updateRun('rro000001', { status: 'succeeded' });
  const dir = path.join(tmp, 'read-only');
  mkdirSync(dir);
  const file = path.join(dir, 'tasks.db');
  copyFileSync(live, file);
  copyFileSync(`${live}-wal`, `${file}-wal`);
  // What a read-only directory does to SQLite, for root too: the -shm index cannot be made.
  symlinkSync(path.join(tmp, 'no-such-dir', 'shm'), `${file}-shm`);

  assert.match(expectThrows(() => TaskStore.open(file), StateRootError).message, /tasks\.db cannot be opened/);
  const store = TaskStore.open(file, { orReadCopy: true });
  t.after(() => store.close());
  assert.equal(store.getRun('rro000001')?.status, 'succeeded');
  assert.deepEqual(store.tasksOf('rro000001').map((task) => task.key), ['build', 'test']);
  assert.throws(() => store.updateRun('rro000001', { status: 'failed' }), /readonly|read-only/i);
  assert.deepEqual(readdirSync(copies), []);
});
