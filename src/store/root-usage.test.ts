import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { directoryBytes } from './disk-usage.js';
import { forgetUsage, stateRootUsage, type RunEnd, type UsageSource } from './root-usage.js';
import { StateRoot } from './state-root.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-root-usage-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function du(...dirs: string[]): number {
  return dirs.reduce((n, dir) => n + Number(execFileSync('du', ['-s', '-B1', dir], { encoding: 'utf8' }).split('\t')[0]), 0);
}

const TASKS: Record<string, string[]> = { r00000001: ['r00000001-a', 'r00000001-b'], r00000002: ['r00000002-a', 'r00000002-b'] };
const ALL_TASKS = Object.values(TASKS).flat();

let counter = 0;
/** A state root with two runs of two tasks, each task's workspace holding `files` files. */
function stateRoot(files = 5): StateRoot {
  counter += 1;
  const root = new StateRoot(path.join(tmp, `root-${counter}`));
  mkdirSync(root.storeDir, { recursive: true });
  writeFileSync(path.join(root.storeDir, 'tasks.db'), Buffer.alloc(20_000));
  for (const [runId, tasks] of Object.entries(TASKS)) {
    for (const id of tasks) {
      mkdirSync(root.workspaceDir(id), { recursive: true });
      writeFileSync(path.join(root.taskDir(id), 'stdout.log'), 'log\n');
      for (let i = 0; i < files; i += 1) writeFileSync(path.join(root.workspaceDir(id), `f${i}.txt`), 'z'.repeat(5000));
    }
    mkdirSync(root.runDir(runId), { recursive: true });
    writeFileSync(path.join(root.runDir(runId), 'events.ndjson'), '{}\n');
  }
  return root;
}

function source(runs: RunEnd[]): UsageSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    runs,
    asked,
    taskIdsOf: (runId) => {
      asked.push(runId);
      return TASKS[runId] ?? [];
    },
  };
}

const finished: RunEnd[] = [
  { id: 'r00000001', status: 'succeeded', endedAt: '2026-01-01T00:00:00.000Z' },
  { id: 'r00000002', status: 'failed', endedAt: '2026-01-01T00:01:00.000Z' },
];

const workspaces = (root: StateRoot, ids = ALL_TASKS): number => du(...ids.map((id) => root.workspaceDir(id)));

test('stateRootUsage: the whole state root as du counts it, and the workspaces in it', () => {
  const root = stateRoot();
  // Taken before: the call writes its memory after it measured.
  const expected = du(root.dir);
  const usage = stateRootUsage(root, source(finished));
  assert.deepEqual([usage.complete, usage.unmeasured], [true, 0]);
  assert.equal(usage.totalBytes, expected);
  assert.equal(usage.workspaceBytes, workspaces(root));
  assert.deepEqual(stateRootUsage(new StateRoot(path.join(tmp, 'absent')), source([])), { totalBytes: 0, workspaceBytes: 0, complete: true, unmeasured: 0 });
});

test("stateRootUsage: a finished run is measured once; fresh (--disk), forgetUsage and a new end measure it again", () => {
  const root = stateRoot();
  const first = source(finished);
  const measured = stateRootUsage(root, first);
  assert.deepEqual(first.asked, ['r00000001', 'r00000002']);
  const memory = JSON.parse(readFileSync(root.diskUsagePath, 'utf8')) as { runs: Record<string, unknown> };
  assert.deepEqual(Object.keys(memory.runs), ['r00000001', 'r00000002']);
  // Behind mcp's back: the remembered figure stands, and no folder of a run is even listed.
  const extra = path.join(root.workspaceDir('r00000001-a'), 'extra.bin');
  writeFileSync(extra, Buffer.alloc(200_000, 1));
  const added = directoryBytes(extra) ?? 0;
  const again = source(finished);
  assert.equal(stateRootUsage(root, again).workspaceBytes, measured.workspaceBytes);
  assert.deepEqual(again.asked, []);
  assert.equal(stateRootUsage(root, source(finished), { fresh: true }).workspaceBytes, measured.workspaceBytes + added);
  rmSync(extra);
  forgetUsage(root, ['r00000001']);
  const forgotten = source(finished);
  assert.equal(stateRootUsage(root, forgotten).workspaceBytes, measured.workspaceBytes);
  assert.deepEqual(forgotten.asked, ['r00000001']);
  // A run that ended again (resumed) has another stamp: measured again.
  writeFileSync(extra, Buffer.alloc(200_000, 1));
  const resumed = [{ ...finished[0]!, endedAt: '2026-01-02T00:00:00.000Z' }, finished[1]!];
  assert.equal(stateRootUsage(root, source(resumed)).workspaceBytes, measured.workspaceBytes + added);
});

test("stateRootUsage: a running run's folders are walked only by --disk, whose figure counts as current for 10 s", () => {
  const root = stateRoot();
  const live: RunEnd[] = [{ id: 'r00000001', status: 'running', endedAt: null }, finished[1]!];
  const now = Date.now();
  const plain = source(live);
  const before = stateRootUsage(root, plain, { now });
  assert.deepEqual(plain.asked, ['r00000002'], 'the running run is not even listed');
  assert.deepEqual([before.complete, before.unmeasured], [false, 1]);
  assert.equal(before.workspaceBytes, workspaces(root, TASKS.r00000002));

  const disk = stateRootUsage(root, source(live), { now, fresh: true });
  assert.deepEqual([disk.complete, disk.workspaceBytes], [true, workspaces(root)]);
  const extra = path.join(root.workspaceDir('r00000001-b'), 'extra.bin');
  writeFileSync(extra, Buffer.alloc(100_000, 1));
  const soon = source(live);
  const current = stateRootUsage(root, soon, { now: now + 5_000 });
  assert.deepEqual([current.complete, current.workspaceBytes], [true, disk.workspaceBytes]);
  assert.deepEqual(soon.asked, []);
  // Older: still the figure --disk took (better than none), but no longer a measure of now.
  const later = stateRootUsage(root, source(live), { now: now + 11_000 });
  assert.deepEqual([later.complete, later.unmeasured, later.workspaceBytes], [false, 1, disk.workspaceBytes]);
  // Once the run has ended, its folders are measured as they are.
  const ended = stateRootUsage(root, source(finished), { now: now + 12_000 });
  assert.deepEqual([ended.complete, ended.workspaceBytes], [true, disk.workspaceBytes + (directoryBytes(extra) ?? 0)]);
});

test('stateRootUsage: what the time budget does not reach is not measured yet, and the next calls go on until it is', () => {
  const root = stateRoot(800);
  const partial = stateRootUsage(root, source(finished), { budgetMs: 0 });
  assert.equal(partial.complete, false);
  assert.ok(partial.unmeasured >= 2, String(partial.unmeasured));
  let usage = partial;
  let calls = 1;
  // 1 ms a call: far less than one workspace of 800 files takes; each call goes on where the last stopped.
  for (; calls < 2_000 && !usage.complete; calls += 1) usage = stateRootUsage(root, source(finished), { budgetMs: 1 });
  assert.equal(usage.complete, true);
  assert.ok(calls > 3, `${calls} calls`);
  // The same figures as one walk of everything. Both read the memory's own file as the
  // completing call left it (that call read it with the half-done walks in it: larger).
  const settled = stateRootUsage(root, source(finished));
  const exact = stateRootUsage(root, source(finished), { fresh: true });
  assert.equal(settled.totalBytes, exact.totalBytes);
  assert.equal(usage.workspaceBytes, exact.workspaceBytes);
  assert.equal(exact.workspaceBytes, workspaces(root));
});

test('stateRootUsage: folders of no run count, listed again only when a folder comes or goes', () => {
  const root = stateRoot();
  // r00000002 is not in the store (forgotten by hand): its folders are leftovers.
  const onlyOne = [finished[0]!];
  const expected = du(root.dir);
  const usage = stateRootUsage(root, source(onlyOne));
  assert.equal(usage.totalBytes, expected);
  assert.equal(usage.workspaceBytes, workspaces(root));
  // A leftover growing inside does not change runs/: the figure stands...
  const leftover = path.join(root.workspaceDir('r00000002-a'), 'more.bin');
  writeFileSync(leftover, Buffer.alloc(100_000, 1));
  assert.equal(stateRootUsage(root, source(onlyOne)).workspaceBytes, usage.workspaceBytes);
  // ...a folder that comes does, and everything of no run is measured again.
  mkdirSync(path.join(root.runsDir, 'stray'));
  assert.equal(stateRootUsage(root, source(onlyOne)).workspaceBytes, usage.workspaceBytes + (directoryBytes(leftover) ?? 0));
});

test('stateRootUsage: runs gone from the store are forgotten; an unreadable memory is no memory', () => {
  const root = stateRoot();
  stateRootUsage(root, source(finished));
  stateRootUsage(root, source([finished[0]!]));
  const memory = JSON.parse(readFileSync(root.diskUsagePath, 'utf8')) as { runs: Record<string, unknown> };
  assert.deepEqual(Object.keys(memory.runs), ['r00000001']);
  writeFileSync(root.diskUsagePath, '{not json');
  const usage = stateRootUsage(root, source(finished));
  assert.equal(usage.complete, true);
  assert.equal(usage.workspaceBytes, workspaces(root));
  assert.ok(existsSync(root.diskUsagePath));
});
