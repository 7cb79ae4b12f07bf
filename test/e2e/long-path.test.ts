import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as pty from 'node-pty';
import { StateRoot } from '../../src/store/state-root.js';
import { findTask, MCP, mcp, sandbox, status, taskOf, waitFor, writePlan, type Sandbox } from './harness.js';

// A Unix socket path holds at most 107 bytes; this project path alone is longer, like
// /mnt/c/Users/<name>/Documents/<project> under WSL often is.
const PROJECT = path.join('a-long-windows-style-documents-folder-name-'.padEnd(70, 'x'), 'and-a-project-name-that-is-long-too-'.padEnd(70, 'y'));

let sb: Sandbox;
let root: StateRoot;

before(async () => {
  sb = await sandbox({}, { projectName: PROJECT });
  root = new StateRoot(path.join(sb.project, '.mcp'));
});

after(async () => sb.cleanup());

test('a project path longer than a socket path may be: run, status, attach and kill all work', async () => {
  assert.ok(Buffer.byteLength(path.join(root.controlDir, 'supervisor.sock')) > 150);

  writePlan(sb.project, { tasks: [{ id: 'hello', command: ['node', '-e', "console.log('hello from a long path')"] }] });
  const first = await mcp(['run', '--plan', 'plan.json'], { cwd: sb.project, env: sb.env, timeoutMs: 30_000 });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stderr, '');
  assert.equal(taskOf(await status(sb), 'hello').status, 'succeeded');

  // A detached supervisor, and clients in other processes that find it through the record.
  const watched = "console.log('watch me'); process.stdin.on('data', d => { if (d.toString().includes('quit')) process.exit(0); });";
  writePlan(sb.project, {
    tasks: [
      { id: 'watched', command: ['node', '-e', watched] },
      { id: 'sleeper', command: ['node', '-e', 'setTimeout(() => {}, 60000)'] },
    ],
  });
  const detached = await mcp(['run', '--plan', 'plan.json', '--detach'], { cwd: sb.project, env: sb.env, timeoutMs: 30_000 });
  assert.equal(detached.code, 0, detached.stderr);
  await waitFor('both tasks to run', async () => {
    const json = await status(sb);
    return findTask(json, 'watched')?.status === 'running' && findTask(json, 'sleeper')?.status === 'running' ? true : undefined;
  });
  const socketPath = root.socketPath;
  assert.ok(socketPath && Buffer.byteLength(socketPath) <= 107, `recorded socket ${socketPath}`);
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);
  assert.equal(statSync(path.dirname(socketPath)).mode & 0o777, 0o700);

  const viewer = pty.spawn(process.execPath, [MCP, 'attach', 'watched'], { cols: 100, rows: 30, cwd: sb.project, env: sb.env as Record<string, string> });
  let screen = '';
  viewer.onData((d) => (screen += d));
  const viewerExit = new Promise<number>((resolve) => viewer.onExit(({ exitCode }) => resolve(exitCode)));
  await waitFor('the attached screen', () => (screen.includes('watch me') ? true : undefined), 15_000);
  viewer.write('quit\r');
  assert.equal(await viewerExit, 0);
  assert.match(screen, /-watched ended/);

  const killed = await mcp(['kill', 'sleeper'], { cwd: sb.project, env: sb.env, timeoutMs: 30_000 });
  assert.equal(killed.code, 0, killed.stderr);
  assert.match(killed.stdout, /stopped \S+-sleeper \(via the supervisor\)/);

  await waitFor('the supervisor to exit', () => (existsSync(root.lockPath) ? undefined : true), 20_000);
  const json = await status(sb);
  assert.equal(taskOf(json, 'watched').status, 'succeeded');
  assert.equal(taskOf(json, 'sleeper').status, 'killed');
  // Nothing is left behind: neither the socket, its directory, nor the record.
  assert.equal(existsSync(path.dirname(socketPath)), false);
  assert.equal(root.socketPath, null);
});

test('a supervisor that cannot set up its socket fails in one line and leaves no run running', async () => {
  // The record cannot be written when a directory sits where it goes (this works as root too).
  mkdirSync(path.join(root.socketRecordPath, 'in-the-way'), { recursive: true });
  writePlan(sb.project, { tasks: [{ id: 'never', command: ['node', '-e', '0'] }] });
  const result = await mcp(['run', '--plan', 'plan.json'], { cwd: sb.project, env: sb.env, timeoutMs: 30_000 });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^mcp: the supervisor of .* could not open its control socket: .* — /);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  const run = (await status(sb)).runs.at(-1);
  assert.equal(run?.status, 'failed');
  assert.match(run?.reason ?? '', /supervisor did not start/);
  assert.equal(existsSync(root.lockPath), false);
});
