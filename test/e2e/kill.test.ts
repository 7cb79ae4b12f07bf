import { existsSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { exited, findTask, finished, mcp, sandbox, startMcp, status, taskOf, waitFor, writePlan, type Sandbox } from './harness.js';
import { isAlive } from '../../src/terminal/process-info.js';

let sb: Sandbox;

before(async () => {
  // The model takes a minute to answer: the task is alive and waiting when it is killed.
  sb = await sandbox({ rules: [{ match: 'FOREVER', steps: [{ say: 'too late', delayMs: 60_000 }] }] });
});

after(async () => sb.cleanup());

test('mcp kill from a second process stops a running Codex task and blocks its dependents', async () => {
  writePlan(sb.project, {
    tasks: [
      { id: 'long', prompt: 'FOREVER' },
      { id: 'next', command: ['node', '-e', '0'], dependsOn: ['long'] },
      { id: 'quick', command: ['node', '-e', '0'] },
    ],
  });
  const run = startMcp(['run', '--plan', 'plan.json'], { cwd: sb.project, env: sb.env });
  const done = finished(run);
  await waitFor('the model to receive the request', () => (sb.model.stats().inFlight > 0 ? true : undefined));
  const before = taskOf(await status(sb), 'long');
  assert.equal(before.status, 'running');
  assert.ok(before.pid && isAlive(before.pid));

  const kill = await mcp(['kill', 'long'], { cwd: sb.project, env: sb.env });
  assert.equal(kill.code, 0, kill.stderr);
  assert.match(kill.stdout, /stopped .*-long \(via the supervisor\)/);

  const result = await done;
  assert.equal(result.code, 1);
  const json = await status(sb);
  assert.equal(taskOf(json, 'long').status, 'killed');
  // Codex answers mcp's SIGTERM by exiting 0: that is no success, the task ended by the signal.
  assert.deepEqual({ exitCode: taskOf(json, 'long').exitCode, signal: taskOf(json, 'long').signal }, { exitCode: null, signal: 'SIGTERM' });
  assert.match(result.stdout, /-long +killed +1 +\S+ +\S+ +SIGTERM +killed by user/);
  assert.equal(taskOf(json, 'next').status, 'blocked');
  assert.equal(taskOf(json, 'quick').status, 'succeeded');
  assert.equal(isAlive(before.pid), false);
});

test('with no supervisor alive, mcp kill stops the task by its recorded PID', async () => {
  // A command that ignores SIGHUP outlives its supervisor's death; only a kill stops it.
  writePlan(sb.project, { tasks: [{ id: 'orphan', command: ['node', '-e', "process.on('SIGHUP',()=>{}); require('fs').writeFileSync('hup-ready',''); setInterval(()=>{}, 1000)"] }] }, 'plan2.json');
  const run = startMcp(['run', '--plan', 'plan2.json'], { cwd: sb.project, env: sb.env });
  const done = exited(run);
  const orphan = await waitFor('the task to run', async () => {
    const task = findTask(await status(sb), 'orphan');
    // Only once its SIGHUP handler is in place does the task outlive its supervisor.
    return task?.status === 'running' && task.pid && existsSync(path.join(task.workspace ?? '', 'hup-ready')) ? task : undefined;
  });
  run.kill('SIGKILL');
  await done;
  assert.ok(orphan.pid && isAlive(orphan.pid), 'the task survived its supervisor');

  const kill = await mcp(['kill', 'orphan'], { cwd: sb.project, env: sb.env });
  assert.equal(kill.code, 0, kill.stderr);
  assert.match(kill.stdout, /via recorded PID/);
  await waitFor('the orphan to die', () => (isAlive(orphan.pid ?? 0) ? undefined : true), 10_000);
  assert.equal(taskOf(await status(sb), 'orphan').status, 'killed');
});

// Before the detached run of the next test: its supervisor lingers, and would be handed this run.
test('Ctrl-C on a foreground mcp run stops its tasks, records them killed, says so, and exits 130', async () => {
  writePlan(sb.project, { tasks: [{ id: 'held', command: ['node', '-e', 'setInterval(() => {}, 1000)'] }, { id: 'later', command: ['node', '-e', '0'], dependsOn: ['held'] }] }, 'plan4.json');
  const run = startMcp(['run', '--plan', 'plan4.json'], { cwd: sb.project, env: sb.env });
  const done = finished(run);
  const held = await waitFor('held to run', async () => {
    const task = findTask(await status(sb), 'held');
    return task?.status === 'running' && task.pid ? task : undefined;
  });
  run.kill('SIGINT');
  const result = await done;
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stdout, /mcp: interrupted; stopping tasks/);
  const json = await status(sb);
  assert.equal(taskOf(json, 'held').status, 'killed');
  // Ctrl-C stops the whole run, as mcp kill --all: what had not started is cancelled.
  assert.equal(taskOf(json, 'later').status, 'killed');
  assert.equal(json.runs.at(-1)?.status, 'killed');
  assert.equal(isAlive(held.pid ?? 0), false);
});

test('mcp kill --all says which tasks it stopped and which it cancelled before they ran', async () => {
  writePlan(sb.project, {
    tasks: [
      { id: 'busy', command: ['node', '-e', 'setInterval(() => {}, 1000)'] },
      { id: 'after', command: ['node', '-e', '0'], dependsOn: ['busy'] },
      { id: 'queued', command: ['node', '-e', '0'] },
    ],
  }, 'plan3.json');
  const run = await mcp(['run', '--plan', 'plan3.json', '--detach', '--parallel', '1'], { cwd: sb.project, env: sb.env });
  assert.equal(run.code, 0, run.stderr);
  const busy = await waitFor('busy to run', async () => {
    const task = findTask(await status(sb), 'busy');
    return task?.status === 'running' ? task : undefined;
  });
  const kill = await mcp(['kill', '--all', '--json'], { cwd: sb.project, env: sb.env });
  assert.equal(kill.code, 0, kill.stderr);
  const result = JSON.parse(kill.stdout) as { via: string; stopped: string[]; cancelled: string[] };
  assert.deepEqual(result.stopped, [busy.id]);
  assert.deepEqual([...result.cancelled].sort(), [busy.id.replace(/busy$/, 'after'), busy.id.replace(/busy$/, 'queued')]);
  await waitFor('the run to end', async () => ((await status(sb)).runs.find((r) => r.tasks.some((t) => t.id === busy.id))?.status === 'killed' ? true : undefined));
});

test('unknown ids exit 3 with one line', async () => {
  for (const args of [['kill', 'nope'], ['status', 'nope'], ['logs', 'nope']]) {
    const result = await mcp(args, { cwd: sb.project, env: sb.env });
    assert.equal(result.code, 3, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /no task "nope"/);
  }
});
