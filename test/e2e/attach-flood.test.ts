import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openAttach } from '../../src/orchestrator/attach-client.js';
import { StateRoot } from '../../src/store/state-root.js';
import { findTask, finished, sandbox, startMcp, status, taskOf, waitFor, writePlan, type Sandbox } from './harness.js';

/** What the task prints: a fixed amount, so memory held for a stuck viewer would grow with it. */
const LINES = 64 * 1024;
const LINE = `${'x'.repeat(1023)}\n`;
/** The PTY turns each \n into \r\n. */
const LOGGED_BYTES = LINES * (LINE.length + 1);
const RSS_LIMIT_MIB = 200;

// Waits for the go file (so both viewers are attached first), then prints as fast as it can.
const FLOOD = [
  'const fs = require("fs"); const go = process.argv[1]; const block = "x".repeat(1023) + "\\n"; const chunk = block.repeat(64);',
  `let left = ${LINES / 64};`,
  'function flood() { while (left > 0) { left -= 1; if (!process.stdout.write(chunk)) return process.stdout.once("drain", flood); } }',
  'const wait = setInterval(() => { if (fs.existsSync(go)) { clearInterval(wait); flood(); } }, 20);',
].join(' ');

let sb: Sandbox;

before(async () => {
  sb = await sandbox({});
});

after(async () => sb.cleanup());

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  // An exited process not yet reaped (a zombie) still has a status file, without memory.
  if (!match) throw new Error(`process ${pid} has exited`);
  return Number(match[1]) / 1024;
}

test('a viewer that stops reading costs the supervisor bounded memory; another viewer and the log get everything', async () => {
  const go = path.join(sb.dir, 'go');
  writePlan(sb.project, { tasks: [{ id: 'flood', command: ['node', '-e', FLOOD, go] }] });
  const run = startMcp(['run', '--plan', 'plan.json'], { cwd: sb.project, env: sb.env });
  const done = finished(run);
  await waitFor('the task to run', async () => (findTask(await status(sb), 'flood')?.status === 'running' ? true : undefined));
  const root = new StateRoot(path.join(sb.project, '.mcp'));
  const taskId = taskOf(await status(sb), 'flood').id;

  // A viewer that attaches, reads the reply, then never reads again.
  const stuck = net.connect(root.socketPath ?? '');
  stuck.write(`${JSON.stringify({ op: 'attach', task: taskId })}\n`);
  await new Promise<void>((resolve) => stuck.once('data', () => resolve()));
  stuck.pause();

  // A viewer that reads.
  const reader = await openAttach(root.socketPath, taskId);
  assert.ok(reader?.reply.ok);
  let read = 0;
  let screens = 0;
  reader.onOutput((chunk, screen) => {
    if (screen) screens += 1;
    else read += chunk.length;
  });

  const pid = run.pid as number;
  const samples: number[] = [rssMiB(pid)];
  writeFileSync(go, '');
  const sampler = setInterval(() => {
    try {
      samples.push(rssMiB(pid));
    } catch {
      /* exited */
    }
  }, 200);
  // The run ends with its only task; the stuck viewer must not keep the supervisor alive.
  const result = await done;
  clearInterval(sampler);
  stuck.destroy();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(taskOf(await status(sb), 'flood').status, 'succeeded');

  const peak = Math.max(...samples);
  const third = samples[Math.floor(samples.length / 3)] ?? 0;
  const trace = samples.map((s) => s.toFixed(0)).join(' ');
  assert.ok(samples.length >= 5, `too few samples: ${trace}`);
  assert.ok(peak < RSS_LIMIT_MIB, `VmRSS peaked at ${peak.toFixed(0)} MiB: ${trace}`);
  // Not growing: what the stuck viewer holds is bounded, not proportional to the output
  // (without the bound it grew by more than the output: 64 MB of it here).
  assert.ok(peak - third < 25, `VmRSS grew from ${third.toFixed(0)} to ${peak.toFixed(0)} MiB: ${trace}`);
  assert.ok(screens >= 1, 'the reading viewer got a screen');
  assert.ok(read > 10 * 1024 * 1024, `the reading viewer got ${read} bytes of output`);
  assert.equal(statSync(path.join(root.taskDir(taskId), 'stdout.log')).size, LOGGED_BYTES);
});
