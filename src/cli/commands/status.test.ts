import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { NoSupervisorError, UsageError } from '../../domain/errors.js';
import type { StateRoot } from '../../store/state-root.js';
import { commandTask, tempStateRoot } from '../../store/test-support.js';
import type { RunView, TaskView } from '../../store/views.js';
import { processStartTime } from '../../terminal/process-info.js';
import { visibleWidth } from '../render/format.js';
import { parseSort, parseStates, screenFrame, selectTasks, statusCommand } from './status.js';

function task(id: string, status: string, startedAt: string | null, durationMs: number | null): TaskView {
  return {
    id,
    key: id,
    title: id,
    kind: 'command',
    mode: 'exec',
    status,
    attempts: 1,
    exitCode: null,
    signal: null,
    reason: null,
    dependsOn: [],
    startedAt,
    endedAt: null,
    durationMs,
    workspace: null,
    branch: null,
    sessionId: null,
    pid: null,
    planVersion: 1,
    superseded: false,
  };
}

// Plan order: c, a, d, b, e.
const tasks = [
  task('c', 'failed', '2026-01-01T00:00:02.000Z', 500),
  task('a', 'running', '2026-01-01T00:00:01.000Z', 3000),
  task('d', 'pending', null, null),
  task('b', 'succeeded', '2026-01-01T00:00:03.000Z', 100),
  task('e', 'failed', '2026-01-01T00:00:00.500Z', 800),
];
const ids = (list: TaskView[]): string[] => list.map((t) => t.id);

test('--state takes task states, comma-separated, with spaces tolerated', () => {
  assert.equal(parseStates(undefined), null);
  assert.deepEqual([...(parseStates('running') ?? [])], ['running']);
  assert.deepEqual([...(parseStates('running, failed,') ?? [])], ['running', 'failed']);
});

test('--state refuses what is not a task state with a usage error (exit 2) naming the valid ones', () => {
  for (const raw of ['bogus', 'running,done', '', ',', 'RUNNING', 'planning']) {
    assert.throws(
      () => parseStates(raw),
      (error: unknown) => error instanceof UsageError && error.exitCode === 2 && !error.message.includes('\n') && /waiting_approval/.test(error.hint ?? ''),
      raw,
    );
  }
});

test('--sort takes id, state, start or duration', () => {
  assert.equal(parseSort(undefined), null);
  for (const key of ['id', 'state', 'start', 'duration']) assert.equal(parseSort(key), key);
  assert.throws(() => parseSort('name'), UsageError);
});

test('no filter and no sort keep every task in plan order', () => {
  assert.deepEqual(ids(selectTasks(tasks, { states: null, sort: null })), ['c', 'a', 'd', 'b', 'e']);
});

test('a state filter keeps the tasks in those states, in plan order', () => {
  assert.deepEqual(ids(selectTasks(tasks, { states: parseStates('failed'), sort: null })), ['c', 'e']);
  assert.deepEqual(ids(selectTasks(tasks, { states: parseStates('pending,succeeded'), sort: null })), ['d', 'b']);
  assert.deepEqual(ids(selectTasks(tasks, { states: parseStates('killed'), sort: null })), []);
});

test('sorts: id ascending, state in lifecycle order (ties in plan order), start earliest first, duration longest first; unstarted last', () => {
  assert.deepEqual(ids(selectTasks(tasks, { states: null, sort: 'id' })), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(ids(selectTasks(tasks, { states: null, sort: 'state' })), ['d', 'a', 'b', 'c', 'e']);
  assert.deepEqual(ids(selectTasks(tasks, { states: null, sort: 'start' })), ['e', 'a', 'c', 'b', 'd']);
  assert.deepEqual(ids(selectTasks(tasks, { states: null, sort: 'duration' })), ['a', 'e', 'c', 'b', 'd']);
  assert.deepEqual(ids(selectTasks(tasks, { states: parseStates('failed,succeeded'), sort: 'duration' })), ['e', 'c', 'b']);
  // The input is not reordered in place.
  assert.deepEqual(ids(tasks), ['c', 'a', 'd', 'b', 'e']);
});

test('bad flags are refused before the state root is looked at', async () => {
  const options = { stateDir: '/nonexistent/state/root' };
  await assert.rejects(statusCommand(undefined, { ...options, state: 'nope' }), UsageError);
  await assert.rejects(statusCommand(undefined, { ...options, interval: '1' }), /go with --watch/);
  await assert.rejects(statusCommand(undefined, { ...options, untilDone: true }), /go with --watch/);
  await assert.rejects(statusCommand(undefined, { ...options, watch: true, interval: '0.01' }), /at least 0.1 seconds/);
  await assert.rejects(statusCommand(undefined, { ...options, watch: true, interval: 'soon' }), UsageError);
});

test('a watch frame on a TTY goes home, clears each line and below, and fits the window', () => {
  const text = Array.from({ length: 40 }, (_, i) => `line ${i} ${'x'.repeat(200)}`).join('\n');
  const first = screenFrame(text, 2000, true, { columns: 60, rows: 20 });
  assert.ok(first.startsWith('\x1b[H\x1b[2J'));
  const later = screenFrame(text, 2000, false, { columns: 60, rows: 20 });
  assert.ok(later.startsWith('\x1b[H') && !later.includes('\x1b[2J'));
  assert.ok(later.endsWith('\x1b[J'));
  const lines = later.slice('\x1b[H'.length).split('\n').slice(0, -1);
  assert.equal(lines.length, 19, 'one row is left for the cursor');
  for (const line of lines) assert.ok(visibleWidth(line.replace(/\x1b\[K$/, '')) <= 59, line);
  assert.match(lines.at(-1) ?? '', /… 24 more lines/);
  assert.match(lines[0] ?? '', /^every 2\.0s: mcp status/);
});

test('a watch frame on a terminal that reports 0×0 (script, some CI ptys) is drawn for 80×24, not as blank lines', () => {
  const text = Array.from({ length: 40 }, (_, i) => `line ${i} ${'x'.repeat(200)}`).join('\n');
  const frame = screenFrame(text, 2000, false, { columns: 0, rows: 0 });
  const lines = frame.slice('\x1b[H'.length).split('\n').slice(0, -1).map((line) => line.replace(/\x1b\[K$/, ''));
  assert.equal(lines.length, 23);
  assert.match(lines[0] ?? '', /^every 2\.0s: mcp status/);
  assert.match(lines[2] ?? '', /^line 0 x+…$/);
  assert.equal(visibleWidth(lines[2] ?? ''), 79);
  assert.match(lines.at(-1) ?? '', /… 20 more lines/);
});

test("the disk is measured only by views that show it: one task's view does not walk the state root, the runs' view does", async () => {
  const { dir, root, store } = tempStateRoot('status');
  store.createRun({
    run: { id: 'rstatus01', objective: 'o', status: 'succeeded', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
    tasks: [commandTask('rstatus01', 'a', 'succeeded')],
  });
  store.close();
  const write = process.stdout.write;
  const printed: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    assert.equal(await statusCommand('rstatus01-a', { stateDir: dir }), 0);
    assert.match(printed.join(''), /rstatus01-a/);
    assert.equal(existsSync(root.diskUsagePath), false, "one task's view measured the disk");
    assert.equal(await statusCommand(undefined, { stateDir: dir }), 0);
    assert.match(printed.join(''), /disk: /);
    assert.equal(existsSync(root.diskUsagePath), true, "the runs' view measured the disk and remembered it");
  } finally {
    process.stdout.write = write;
  }
});

/** A state root holding one run whose store says running, as a supervisor killed with -9 leaves it. */
function crashedRun(supervisorPid: number): { dir: string; root: StateRoot } {
  const { dir, root, store } = tempStateRoot('status');
  store.createRun({
    run: { id: 'rcrash001', objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
    tasks: [commandTask('rcrash001', 'a', 'running')],
  });
  store.updateRun('rcrash001', { supervisorPid, startedAt: '2024-05-01T10:00:00.000Z' });
  store.close();
  return { dir, root };
}

async function printedBy(command: () => Promise<number>): Promise<{ code: number | Error; out: string }> {
  const write = process.stdout.write;
  const printed: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    return { code: await command().catch((error: Error) => error), out: printed.join('') };
  } finally {
    process.stdout.write = write;
  }
}

test('a run whose supervisor died is shown as such, in text and in --json, and --watch --until-done stops on it', async () => {
  const { dir, root } = crashedRun(process.pid);
  // Another process holds the lock: the run's supervisor (this PID) is not it.
  writeFileSync(root.lockPath, JSON.stringify({ pid: process.ppid, start: processStartTime(process.ppid) }));
  const text = await printedBy(() => statusCommand(undefined, { stateDir: dir }));
  assert.equal(text.code, 0);
  assert.match(text.out, /supervisor: gone.*mcp resume rcrash001/);
  const json = await printedBy(() => statusCommand(undefined, { stateDir: dir, json: true }));
  assert.equal((JSON.parse(json.out) as { runs: RunView[] }).runs[0]?.supervisor, 'gone');
  const one = await printedBy(() => statusCommand('rcrash001-a', { stateDir: dir }));
  assert.match(one.out, /state +running {2}\(its supervisor is gone; finish the run with: mcp resume rcrash001\)/);
  // Were it to wait on, a Ctrl-C after 3 s ends the watch (exit 0) and the test fails instead of hanging.
  const ctrlC = setTimeout(() => process.emit('SIGINT'), 3000);
  const watch = await printedBy(() => statusCommand(undefined, { stateDir: dir, watch: true, untilDone: true, interval: '0.1' }));
  clearTimeout(ctrlC);
  assert.ok(watch.code instanceof NoSupervisorError, String(watch.code));
  assert.equal(watch.code.exitCode, 4);
  assert.match(watch.code.message, /^run rcrash001 will not end: its supervisor is gone$/);
  assert.match(watch.code.hint ?? '', /mcp resume rcrash001/);
});

test('a run whose supervisor holds the lock is live, not gone', async () => {
  const { dir, root } = crashedRun(process.pid);
  writeFileSync(root.lockPath, JSON.stringify({ pid: process.pid, start: processStartTime(process.pid) }));
  const json = await printedBy(() => statusCommand(undefined, { stateDir: dir, json: true }));
  assert.equal((JSON.parse(json.out) as { runs: RunView[] }).runs[0]?.supervisor, 'live');
  const text = await printedBy(() => statusCommand(undefined, { stateDir: dir }));
  assert.doesNotMatch(text.out, /gone/);
});

test('--waiting offers no task of a run whose supervisor is gone: one line names the run and its mcp resume, and --json lists none of its tasks', async () => {
  const { dir, root, store } = tempStateRoot('status');
  for (const id of ['rlive0001', 'rgone0001']) {
    store.createRun({
      run: { id, objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
      tasks: [commandTask(id, 'push', 'waiting_approval')],
    });
    store.updateTask(`${id}-push`, { reason: `approval 1: $ git push origin main — mcp approve ${id}-push [--deny]` });
  }
  // This process is the live supervisor of rlive0001; rgone0001's died.
  writeFileSync(root.lockPath, JSON.stringify({ pid: process.pid, start: processStartTime(process.pid) }));
  store.updateRun('rlive0001', { supervisorPid: process.pid, supervisorStart: processStartTime(process.pid) });
  store.updateRun('rgone0001', { supervisorPid: process.ppid, supervisorStart: processStartTime(process.ppid) });
  store.close();
  const gone = 'run rgone0001  (1 waiting_approval)  supervisor: gone, the run will not end by itself; finish it with: mcp resume rgone0001';

  const text = await printedBy(() => statusCommand(undefined, { stateDir: dir, waiting: true }));
  assert.equal(text.code, 0);
  assert.match(text.out, /rlive0001-push +waiting_approval .*mcp approve rlive0001-push/);
  assert.doesNotMatch(text.out, /rgone0001-push/);
  assert.ok(text.out.split('\n').includes(gone), text.out);
  const json = JSON.parse((await printedBy(() => statusCommand(undefined, { stateDir: dir, waiting: true, json: true }))).out) as { runs: RunView[] };
  const byId = new Map(json.runs.map((run) => [run.id, run]));
  assert.deepEqual(byId.get('rlive0001')?.tasks.map((t) => t.id), ['rlive0001-push']);
  assert.deepEqual(byId.get('rgone0001')?.tasks, []);
  assert.equal(byId.get('rgone0001')?.supervisor, 'gone');
  assert.deepEqual(byId.get('rgone0001')?.counts, { waiting_approval: 1 });

  // Only the dead supervisor's run waits: nothing waits for you, and the same line says why.
  const one = await printedBy(() => statusCommand('rgone0001', { stateDir: dir, waiting: true }));
  assert.equal(one.out, `nothing waits for you\n${gone}\n`);
  const task = await printedBy(() => statusCommand('rgone0001-push', { stateDir: dir, waiting: true }));
  assert.equal(task.out, `nothing waits for you\n${gone}\n`);
});

test('--waiting speaks only of what waits: no line for a finished run or a run where nothing waits, no disk line; with nothing waiting, one line', async () => {
  const { dir, root, store } = tempStateRoot('status');
  const runs: [string, 'running' | 'succeeded', string][] = [['rdone0001', 'succeeded', 'succeeded'], ['rbusy0001', 'running', 'running'], ['rwait0001', 'running', 'waiting_approval']];
  for (const [id, status, taskStatus] of runs) {
    store.createRun({
      run: { id, objective: 'o', status, project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
      tasks: [commandTask(id, 'push', taskStatus as 'running')],
    });
    if (status === 'running') store.updateRun(id, { supervisorPid: process.pid, supervisorStart: processStartTime(process.pid) });
  }
  store.updateTask('rwait0001-push', { reason: 'approval 1: $ git push origin main — mcp approve rwait0001-push [--deny]' });
  writeFileSync(root.lockPath, JSON.stringify({ pid: process.pid, start: processStartTime(process.pid) }));

  const text = await printedBy(() => statusCommand(undefined, { stateDir: dir, waiting: true }));
  assert.equal(text.code, 0);
  assert.match(text.out, /^run rwait0001 {2}running /);
  assert.match(text.out, /rwait0001-push +waiting_approval .*mcp approve rwait0001-push/);
  assert.doesNotMatch(text.out, /rdone0001|rbusy0001|no task is|disk:/, text.out);

  store.updateTask('rwait0001-push', { status: 'running', reason: null });
  store.close();
  assert.equal((await printedBy(() => statusCommand(undefined, { stateDir: dir, waiting: true }))).out, 'nothing waits for you\n');
  assert.equal((await printedBy(() => statusCommand('rdone0001', { stateDir: dir, waiting: true }))).out, 'nothing waits for you\n');
});

test("a run whose supervisor died shows the time up to its last known change, not one that climbs to now, in text and in --json", async () => {
  // Started at 10:00:00 on 2024-05-01, its one task last written then too.
  const { dir, root } = crashedRun(process.pid);
  writeFileSync(root.lockPath, JSON.stringify({ pid: process.ppid, start: processStartTime(process.ppid) }));
  const text = await printedBy(() => statusCommand(undefined, { stateDir: dir }));
  assert.match(text.out, /^run rcrash001 {2}running {2}plan v1 {2}0ms {2}/m);
  const json = await printedBy(() => statusCommand(undefined, { stateDir: dir, json: true }));
  assert.equal((JSON.parse(json.out) as { runs: RunView[] }).runs[0]?.durationMs, 0);
  const one = await printedBy(() => statusCommand('rcrash001', { stateDir: dir, json: true }));
  assert.equal((JSON.parse(one.out) as { runs: RunView[] }).runs[0]?.durationMs, 0);
});
