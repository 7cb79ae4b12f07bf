import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { NoSupervisorError } from '../../domain/errors.js';
import type { StateRoot } from '../../store/state-root.js';
import type { TaskStore } from '../../store/task-store.js';
import { commandTask, tempStateRoot } from '../../store/test-support.js';
import { logsCommand } from './logs.js';

/** A task the store says is running, of a run whose supervisor (`supervisorPid`) may or may not hold the lock. */
function runningTask(supervisorPid: number): { dir: string; root: StateRoot; store: TaskStore } {
  const { dir, root, store } = tempStateRoot('logs');
  store.createRun({
    run: { id: 'rlogs0001', objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
    tasks: [commandTask('rlogs0001', 'a', 'running')],
  });
  store.updateRun('rlogs0001', { supervisorPid });
  mkdirSync(root.taskDir('rlogs0001-a'), { recursive: true });
  writeFileSync(root.taskFiles('rlogs0001-a').stdout, 'before the crash\n');
  return { dir, root, store };
}

async function follow(dir: string, ended: () => void, key = 'a'): Promise<{ result: number | Error; out: string }> {
  const printed: string[] = [];
  const out = { write: (chunk: string | Uint8Array) => printed.push(String(chunk)) };
  // Were it to follow on, the task ends after 3 s (exit 0), and the test fails instead of hanging.
  const timer = setTimeout(ended, 3000);
  try {
    return { result: await logsCommand(key, { stateDir: dir, follow: true, out }).catch((error: Error) => error), out: printed.join('') };
  } finally {
    clearTimeout(timer);
  }
}

test('logs --follow of a task whose supervisor died prints what there is, then stops with exit 4 and the way out', async () => {
  const { dir, store } = runningTask(process.pid);
  // No lock: nobody supervises the state root.
  const { result, out } = await follow(dir, () => store.updateTask('rlogs0001-a', { status: 'killed' }));
  assert.equal(out, 'before the crash\n');
  assert.ok(result instanceof NoSupervisorError, String(result));
  assert.equal(result.exitCode, 4);
  assert.match(result.message, /^task rlogs0001-a will not end: the supervisor of run rlogs0001 is gone$/);
  assert.equal(result.hint, 'finish the run with: mcp resume rlogs0001');
});

test('logs --follow goes on while the supervisor of the run holds the lock', async () => {
  const { dir, root, store } = runningTask(process.pid);
  writeFileSync(root.lockPath, JSON.stringify({ pid: process.pid, start: null }));
  const started = Date.now();
  // Not captured: stdout also carries the test runner's own reports, which must not be lost for a second.
  const timer = setTimeout(() => store.updateTask('rlogs0001-a', { status: 'succeeded' }), 1000);
  assert.equal(await logsCommand('a', { stateDir: dir, follow: true, stream: 'stderr' }), 0);
  clearTimeout(timer);
  assert.ok(Date.now() - started >= 900, 'it followed until the task ended');
});

test('logs --follow of a Codex task prints its transcript as its events arrive, a line written in two parts once', async () => {
  const { dir, root, store } = tempStateRoot('logs');
  store.createRun({
    run: { id: 'rlogs0002', objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
    tasks: [{ ...commandTask('rlogs0002', 'c', 'running'), kind: 'prompt', prompt: 'p', command: null }],
  });
  store.updateRun('rlogs0002', { supervisorPid: process.pid });
  writeFileSync(root.lockPath, JSON.stringify({ pid: process.pid, start: null }));
  mkdirSync(root.taskDir('rlogs0002-c'), { recursive: true });
  const events = root.taskFiles('rlogs0002-c').events;
  const line = (event: object, second: number) => `${JSON.stringify({ ts: `2024-05-01T10:00:0${second}.000Z`, task: 'rlogs0002-c', ...event })}\n`;
  const said = line({ type: 'codex.message', text: 'half way' }, 2);
  writeFileSync(events, line({ type: 'codex.command_started', command: 'make' }, 1) + said.slice(0, 20));
  setTimeout(() => appendFileSync(events, said.slice(20)), 500);
  setTimeout(() => {
    appendFileSync(events, line({ type: 'exit', exitCode: 0, signal: null, bytes: 0, stoppedBy: 'finished' }, 3));
    store.updateTask('rlogs0002-c', { status: 'succeeded' });
  }, 1000);
  const { result, out } = await follow(dir, () => undefined, 'c');
  assert.equal(result, 0);
  assert.equal(out, '10:00:01  $ make\n10:00:02  half way\n10:00:03  exited 0\n');
});
