import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { processStartTime } from '../terminal/process-info.js';
import { currentLockHolder, type LockHolder, SupervisorLock } from './supervisor-lock.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-lock-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function lockFile(): string {
  counter += 1;
  return path.join(tmp, `supervisor-${counter}.lock`);
}

function readLock(file: string): LockHolder {
  return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
}

const me: LockHolder = { pid: process.pid, start: processStartTime(process.pid) };

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid;
  assert.ok(pid !== undefined);
  await once(child, 'exit');
  return pid;
}

async function sleeper(): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await once(child, 'spawn');
  assert.ok(child.pid !== undefined);
  return child as ChildProcess & { pid: number };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

test('SupervisorLock: acquire on no lock file takes it, release removes it', () => {
  const file = lockFile();
  const lock = new SupervisorLock(file);
  assert.equal(lock.acquire(), null);
  assert.ok(me.start !== null);
  assert.deepEqual(readLock(file), me);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(currentLockHolder(file), me);
  lock.release();
  assert.equal(existsSync(file), false);
  assert.equal(currentLockHolder(file), null);
  // A second release is harmless.
  lock.release();
});

test('SupervisorLock: a second lock object in the same process takes the lock over', () => {
  // Real behaviour: a lock naming this very PID is treated as left by a dead process whose
  // PID was reused, so a second SupervisorLock in one process wins too.
  const file = lockFile();
  const first = new SupervisorLock(file);
  const second = new SupervisorLock(file);
  assert.equal(first.acquire(), null);
  assert.equal(second.acquire(), null);
  assert.deepEqual(readLock(file), me);
  // Either release removes the file, since both name this PID.
  first.release();
  assert.equal(existsSync(file), false);
  second.release();
  assert.equal(existsSync(file), false);
});

test('SupervisorLock: a lock naming a dead PID is taken over', async () => {
  const file = lockFile();
  const pid = await deadPid();
  writeFileSync(file, JSON.stringify({ pid, start: '1' }));
  assert.equal(currentLockHolder(file), null);
  const lock = new SupervisorLock(file);
  assert.equal(lock.acquire(), null);
  assert.deepEqual(readLock(file), me);
  lock.release();
  assert.equal(existsSync(file), false);
});

test('SupervisorLock: a lock naming a live other process is reported as held', async (t) => {
  const child = await sleeper();
  t.after(() => stopChild(child));
  const start = processStartTime(child.pid);
  assert.ok(start !== null);
  const file = lockFile();
  const content = JSON.stringify({ pid: child.pid, start });
  writeFileSync(file, content);
  const lock = new SupervisorLock(file);
  assert.deepEqual(lock.acquire(), { pid: child.pid, start });
  assert.deepEqual(currentLockHolder(file), { pid: child.pid, start });
  // The holder's file is untouched, and releasing a lock never held leaves it alone.
  lock.release();
  assert.equal(readFileSync(file, 'utf8'), content);
});

test('SupervisorLock: a live PID with another start time (reused PID) is taken over', async (t) => {
  const child = await sleeper();
  t.after(() => stopChild(child));
  const file = lockFile();
  writeFileSync(file, JSON.stringify({ pid: child.pid, start: '1' }));
  assert.equal(currentLockHolder(file), null);
  const lock = new SupervisorLock(file);
  assert.equal(lock.acquire(), null);
  assert.deepEqual(readLock(file), me);
  lock.release();
  assert.equal(existsSync(file), false);
});

test('SupervisorLock: an unreadable lock file is taken over', () => {
  const file = lockFile();
  writeFileSync(file, 'garbage{');
  assert.equal(currentLockHolder(file), null);
  const lock = new SupervisorLock(file);
  assert.equal(lock.acquire(), null);
  assert.deepEqual(readLock(file), me);
  lock.release();
});

test('SupervisorLock: release does not remove a lock another process took meanwhile', async (t) => {
  const child = await sleeper();
  t.after(() => stopChild(child));
  const file = lockFile();
  const lock = new SupervisorLock(file);
  assert.equal(lock.acquire(), null);
  const other = JSON.stringify({ pid: child.pid, start: processStartTime(child.pid) });
  writeFileSync(file, other);
  lock.release();
  assert.equal(readFileSync(file, 'utf8'), other);
});

/** A process that has exited but is not reaped: `sh` becomes `sleep`, which never waits for the child sh left. */
async function zombie(t: TestContext): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => stopChild(parent));
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const pid = Number(line.toString().trim());
  for (let i = 0; i < 100 && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.match(readFileSync(`/proc/${pid}/stat`, 'utf8'), /\) Z /);
  return pid;
}

test('SupervisorLock: a lock naming a zombie (killed, not yet reaped) is taken over', async (t) => {
  const pid = await zombie(t);
  const file = lockFile();
  writeFileSync(file, JSON.stringify({ pid, start: processStartTime(pid) }));
  assert.equal(currentLockHolder(file), null);
  const lock = new SupervisorLock(file);
  assert.equal(lock.acquire(), null);
  assert.deepEqual(readLock(file), me);
  lock.release();
});
