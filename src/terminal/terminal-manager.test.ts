import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { PtyProcessOptions } from './pty-process.js';
import { TerminalManager } from './terminal-manager.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-terminals-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** A launch that leaves a mark when its program really runs. */
function launch(extra: Partial<PtyProcessOptions> = {}): { options: PtyProcessOptions; mark: string } {
  counter += 1;
  const dir = mkdtempSync(path.join(tmp, `t${counter}-`));
  const mark = path.join(dir, 'ran');
  const options: PtyProcessOptions = {
    argv: ['sh', '-c', 'touch "$0"; sleep 0.2; echo done', mark],
    cwd: dir,
    env: process.env,
    stdoutLog: path.join(dir, 'stdout.log'),
    stderrLog: path.join(dir, 'stderr.log'),
    killGraceMs: 2000,
    ...extra,
  };
  return { options, mark };
}

const manager = (): TerminalManager => new TerminalManager({ allowList: ['sh'], codexPath: null });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('TerminalManager: a held process runs nothing until spawn, then is the process spawn returns', async () => {
  const terminals = manager();
  // A timeout counts from the release: held for longer than it, the program still finishes.
  const { options, mark } = launch({ timeoutMs: 1500 });
  terminals.hold('t1', options);
  await sleep(1800);
  assert.equal(existsSync(mark), false, 'the program did not start while held');
  assert.deepEqual(terminals.ids(), [], 'a held process is not a live terminal (nothing to attach to)');
  const child = terminals.spawn('t1', options);
  const exit = await child.exited;
  assert.equal(exit.exitCode, 0);
  assert.equal(exit.stoppedBy, null);
  assert.ok(existsSync(mark), 'the program ran after the spawn');
  assert.match(readFileSync(options.stdoutLog, 'utf8'), /done/);
});

test('TerminalManager: the spawn continues the held process instead of forking another', async () => {
  const terminals = manager();
  const { options } = launch();
  terminals.hold('t2', options);
  await sleep(500);
  const released = terminals.spawn('t2', options);
  const fresh = terminals.spawn('t2b', launch().options);
  // Start times are in clock ticks since boot (100 a second): the released process began
  // when it was held, half a second before the one just forked.
  assert.ok(Number(fresh.pidStart) - Number(released.pidStart) >= 30, `started at ${released.pidStart}, a fresh one at ${fresh.pidStart}`);
  assert.equal((await released.exited).exitCode, 0);
  assert.equal((await fresh.exited).exitCode, 0);
});

test('TerminalManager: a held process is ended by discard, and by a spawn with another launch', async () => {
  const terminals = manager();
  const first = launch();
  terminals.hold('t3', first.options);
  await sleep(200);
  terminals.discard('t3');
  await sleep(300);
  assert.equal(existsSync(first.mark), false, 'a discarded process never ran its program');

  const second = launch();
  terminals.hold('t4', second.options);
  const other = launch();
  const child = terminals.spawn('t4', other.options);
  assert.equal((await child.exited).exitCode, 0);
  await sleep(200);
  assert.ok(existsSync(other.mark), 'the spawn ran its own launch');
  assert.equal(existsSync(second.mark), false, 'the held launch, not the one asked for, was ended');
});

test('TerminalManager: a process is held before its working directory exists, and runs in it once released', async () => {
  const terminals = manager();
  const { options } = launch({ argv: ['sh', '-c', 'pwd'] });
  const workspace = path.join(options.cwd, 'workspace (made later)');
  const later = { ...options, cwd: workspace };
  terminals.hold('t6', later);
  await sleep(200);
  mkdirSync(workspace);
  const child = terminals.spawn('t6', later);
  assert.equal((await child.exited).exitCode, 0);
  assert.equal(readFileSync(options.stdoutLog, 'utf8').trim(), workspace);
});

test('TerminalManager: hold refuses what the spawn policy refuses', () => {
  const terminals = manager();
  const { options } = launch({ argv: ['curl', 'https://example.com'] });
  assert.throws(() => terminals.hold('t5', options), /refused to start "curl"/);
});
