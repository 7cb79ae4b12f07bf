import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { directoryBytes } from './disk-usage.js';
import { forgetUsage, stateRootUsage, type RunEnd } from './root-usage.js';
import { StateRoot } from './state-root.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-root-usage-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function du(dir: string): number {
  return Number(execFileSync('du', ['-s', '-B1', dir], { encoding: 'utf8' }).split('\t')[0]);
}

let counter = 0;
/** A state root with two runs' folders: a task with a workspace of `files` files each. */
function stateRoot(files = 5): StateRoot {
  counter += 1;
  const root = new StateRoot(path.join(tmp, `root-${counter}`));
  mkdirSync(root.storeDir, { recursive: true });
  writeFileSync(path.join(root.storeDir, 'tasks.db'), Buffer.alloc(20_000));
  for (const runId of ['r00000001', 'r00000002']) {
    for (const key of ['a', 'b']) {
      const ws = root.workspaceDir(`${runId}-${key}`);
      mkdirSync(ws, { recursive: true });
      writeFileSync(path.join(root.taskDir(`${runId}-${key}`), 'stdout.log'), 'log\n');
      for (let i = 0; i < files; i += 1) writeFileSync(path.join(ws, `f${i}.txt`), 'z'.repeat(5000));
    }
    mkdirSync(root.runDir(runId), { recursive: true });
    writeFileSync(path.join(root.runDir(runId), 'events.ndjson'), '{}\n');
  }
  return root;
}

const finished: RunEnd[] = [
  { id: 'r00000001', status: 'succeeded', endedAt: '2026-01-01T00:00:00.000Z' },
  { id: 'r00000002', status: 'failed', endedAt: '2026-01-01T00:01:00.000Z' },
];

function workspacesBytes(root: StateRoot): number {
  return ['r00000001-a', 'r00000001-b', 'r00000002-a', 'r00000002-b'].reduce((n, id) => n + du(root.workspaceDir(id)), 0);
}

test('stateRootUsage: the whole state root as du counts it, and the workspaces in it', () => {
  const root = stateRoot();
  const usage = stateRootUsage(root, finished);
  assert.equal(usage.complete, true);
  assert.equal(usage.unmeasured, 0);
  // The remembered figures are written after the walk: du sees the state root as the walk did without that file.
  rmSync(root.diskUsagePath);
  assert.equal(usage.totalBytes, du(root.dir));
  assert.equal(usage.workspaceBytes, workspacesBytes(root));
  assert.equal(stateRootUsage(new StateRoot(path.join(tmp, 'absent')), []).totalBytes, 0);
});

test("stateRootUsage: a finished run's folders are measured once; --disk (fresh) and forgetUsage measure again", () => {
  const root = stateRoot();
  const first = stateRootUsage(root, finished);
  assert.ok(existsSync(root.diskUsagePath));
  const cache = JSON.parse(readFileSync(root.diskUsagePath, 'utf8')) as { folders: Record<string, unknown> };
  assert.deepEqual(Object.keys(cache.folders).sort(), ['run-records/r00000001', 'run-records/r00000002', 'runs/r00000001-a', 'runs/r00000001-b', 'runs/r00000002-a', 'runs/r00000002-b']);
  // Behind mcp's back: the remembered figure stands until asked to measure again.
  const extra = path.join(root.workspaceDir('r00000001-a'), 'extra.bin');
  writeFileSync(extra, Buffer.alloc(200_000, 1));
  const added = directoryBytes(extra) ?? 0;
  assert.equal(stateRootUsage(root, finished).workspaceBytes, first.workspaceBytes);
  assert.equal(stateRootUsage(root, finished, { fresh: true }).workspaceBytes, first.workspaceBytes + added);
  rmSync(extra);
  forgetUsage(root, [root.taskDir('r00000001-a')]);
  assert.equal(stateRootUsage(root, finished).workspaceBytes, first.workspaceBytes);
  // A run that ended again (resumed) has a new stamp: measured again.
  writeFileSync(extra, Buffer.alloc(200_000, 1));
  const resumed = [{ ...finished[0]!, endedAt: '2026-01-02T00:00:00.000Z' }, finished[1]!];
  assert.equal(stateRootUsage(root, resumed).workspaceBytes, first.workspaceBytes + added);
});

test("stateRootUsage: a running run's folders are measured again once the last figure is 10 s old", () => {
  const root = stateRoot();
  const live: RunEnd[] = [{ id: 'r00000001', status: 'running', endedAt: null }, finished[1]!];
  const now = Date.now();
  const first = stateRootUsage(root, live, { now });
  const extra = path.join(root.workspaceDir('r00000001-b'), 'extra.bin');
  writeFileSync(extra, Buffer.alloc(100_000, 1));
  assert.equal(stateRootUsage(root, live, { now: now + 5_000 }).workspaceBytes, first.workspaceBytes);
  assert.equal(stateRootUsage(root, live, { now: now + 11_000 }).workspaceBytes, first.workspaceBytes + (directoryBytes(extra) ?? 0));
});

test('stateRootUsage: what the time budget does not reach is reported as not measured, and the next call goes on', () => {
  const root = stateRoot(800);
  const partial = stateRootUsage(root, finished, { budgetMs: 0 });
  assert.equal(partial.complete, false);
  assert.equal(partial.unmeasured, 6);
  let usage = partial;
  for (let i = 0; i < 50 && !usage.complete; i += 1) usage = stateRootUsage(root, finished, { budgetMs: 5 });
  assert.equal(usage.complete, true);
  // Measured whole now (the remembered figures' own file included, as it was for the last call).
  const exact = stateRootUsage(root, finished, { fresh: true });
  assert.ok(partial.totalBytes < exact.totalBytes);
  assert.equal(usage.totalBytes, exact.totalBytes);
  assert.equal(usage.workspaceBytes, exact.workspaceBytes);
});

test('stateRootUsage: folders that are gone are forgotten; an unreadable memory is no memory', () => {
  const root = stateRoot();
  stateRootUsage(root, finished);
  rmSync(root.taskDir('r00000002-a'), { recursive: true });
  stateRootUsage(root, finished);
  const cache = JSON.parse(readFileSync(root.diskUsagePath, 'utf8')) as { folders: Record<string, unknown> };
  assert.equal('runs/r00000002-a' in cache.folders, false);
  writeFileSync(root.diskUsagePath, '{not json');
  const usage = stateRootUsage(root, finished);
  assert.equal(usage.complete, true);
  assert.equal(usage.workspaceBytes, ['r00000001-a', 'r00000001-b', 'r00000002-b'].reduce((n, id) => n + du(root.workspaceDir(id)), 0));
});
