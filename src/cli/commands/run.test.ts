import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { StateRoot } from '../../store/state-root.js';
import { TaskStore } from '../../store/task-store.js';
import { processStartTime } from '../../terminal/process-info.js';
import { runCommand } from './run.js';

test('a run that the live supervisor does not take ends failed with the reason, and is not left running', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-run-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A live process holds the lock but answers on no socket: a supervisor that hangs.
  const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
  await once(holder, 'spawn');
  after(() => void holder.kill('SIGKILL'));
  const pid = holder.pid as number;
  const root = new StateRoot(path.join(dir, '.mcp'));
  root.prepare();
  writeFileSync(root.lockPath, JSON.stringify({ pid, start: processStartTime(pid) }));
  writeFileSync(path.join(dir, 'plan.json'), JSON.stringify({ tasks: [{ id: 'a', command: ['node', '-e', '0'] }] }));
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await assert.rejects(runCommand(undefined, { plan: path.join(dir, 'plan.json'), project: dir, stateDir: root.dir, json: true }), new RegExp(`the supervisor \\(pid ${pid}\\) of .* did not take the run`));
  } finally {
    process.stderr.write = write;
  }
  const store = TaskStore.open(root.dbPath);
  after(() => store.close());
  const [run] = store.listRuns();
  assert.equal(run?.status, 'failed');
  assert.match(run?.reason ?? '', /^not started: the supervisor \(pid \d+\) .* did not take the run$/);
  assert.ok(run?.endedAt);
  // Its task never ran: it is not left "pending" in a run that has ended.
  const [task] = store.tasksOf(run!.id);
  assert.equal(task?.status, 'blocked');
  assert.match(task?.reason ?? '', /^not started: the supervisor \(pid \d+\) .* did not take the run$/);
});
