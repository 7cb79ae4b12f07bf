import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isAlive } from '../../src/terminal/process-info.js';
import { events, mcp, sandbox, status, taskOf, writePlan, type McpResult, type Sandbox } from './harness.js';

// The state root on a real full disk: a 3 MiB tmpfs, and a task that prints 6 MiB. Mounting
// needs root (CI runs as root); elsewhere the suite says it was skipped and why.
let sb: Sandbox;
let disk = '';
let mountError: string | null = null;
let first: McpResult;

function mount(size: string, remount = false): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `${remount ? 'remount,' : ''}size=${size}`, 'tmpfs', disk], { stdio: 'pipe' });
}

before(async () => {
  sb = await sandbox({}, { git: false });
  disk = path.join(sb.dir, 'small-disk');
  mkdirSync(disk);
  try {
    mount('3m');
  } catch (error) {
    mountError = (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
    return;
  }
  writePlan(sb.project, {
    objective: 'fill the disk',
    tasks: [
      // It fills the disk only after a pause, so that `small` (whose workspace, a worktree, takes
      // a moment to make on a loaded machine) has finished by then.
      { id: 'big', command: ['node', '-e', 'setTimeout(() => { const b = Buffer.alloc(65536, 120); for (let i = 0; i < 100; i++) process.stdout.write(b) }, 3000)'] },
      { id: 'after-big', command: ['node', '-e', 'console.log("never")'], dependsOn: ['big'] },
      { id: 'small', command: ['node', '-e', 'console.log("hello")'] },
    ],
  });
  first = await mcp(['run', '--plan', 'plan.json', '--state-dir', path.join(disk, 'state'), '--no-tty'], { cwd: sb.project, env: sb.env, timeoutMs: 60_000 });
});

after(async () => {
  if (!mountError) execFileSync('umount', ['-l', disk]);
  await sb.cleanup();
});

const stateArgs = (): string[] => ['--state-dir', path.join(disk, 'state')];

test('a full disk under a running task: one line, the task stopped, nothing left running', (t) => {
  if (mountError) return t.skip(`cannot mount a tmpfs here: ${mountError}`);
  assert.equal(first.code, 1, first.stderr);
  const lines = first.stderr.trim().split('\n');
  assert.equal(lines.length, 1, first.stderr);
  assert.match(lines[0] ?? '', /^mcp: the disk is full \(.*\); mcp stopped its tasks — free space, then finish unfinished runs with: mcp resume$/);
  assert.doesNotMatch(first.stderr, /\n\s+at /);
  const runId = /^run (\S+): state in/m.exec(first.stdout)?.[1] ?? '';
  const log = events(path.join(disk, 'state'), `${runId}-big`);
  const exit = log.find((e) => e.type === 'exit');
  assert.equal(exit?.stoppedBy, 'log_failed');
  assert.match(String(exit?.logError), /^stdout\.log: ENOSPC/);
  const started = log.find((e) => e.type === 'started');
  assert.equal(isAlive(Number(started?.pid)), false, 'the task process is gone');
});

test('status still reads the store, and a new run on the full disk is refused in one line', async (t) => {
  if (mountError) return t.skip(`cannot mount a tmpfs here: ${mountError}`);
  const json = await status(sb, stateArgs());
  const small = taskOf(json, 'small');
  assert.equal(small.status, 'succeeded');
  assert.equal(taskOf(json, 'after-big').status, 'pending');
  const again = await mcp(['run', '--plan', 'plan.json', ...stateArgs(), '--no-tty'], { cwd: sb.project, env: sb.env, timeoutMs: 60_000 });
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /^mcp: the disk is full \(/m);
  assert.doesNotMatch(again.stderr, /\n\s+at /);
});

test('with space freed, mcp resume finishes the run: the stopped task runs again, the rest follows', async (t) => {
  if (mountError) return t.skip(`cannot mount a tmpfs here: ${mountError}`);
  mount('32m', true);
  const runId = /^run (\S+): state in/m.exec(first.stdout)?.[1] ?? '';
  const resumed = await mcp(['resume', runId, ...stateArgs()], { cwd: sb.project, env: sb.env, timeoutMs: 60_000 });
  assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
  const json = await status(sb, [runId, ...stateArgs()]);
  assert.deepEqual(
    json.runs[0]?.tasks.map((task) => [task.key, task.status]),
    [
      ['big', 'succeeded'],
      ['after-big', 'succeeded'],
      ['small', 'succeeded'],
    ],
  );
  assert.equal(taskOf(json, 'small').attempts, 1, 'a finished task is not redone');
});
