import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { SCRIPTED_MODEL_KEY_ENV, writeScriptedCodexHome } from '../../src/scripted-model/codex-home.js';
import { startScriptedModel } from '../../src/scripted-model/server.js';
import { finished, mcp, sandbox, startMcp, status, waitFor, type Sandbox } from './harness.js';

// Planning is a Codex process like any task: it says what it waits for, and it can be stopped.
let sb: Sandbox;

before(async () => {
  sb = await sandbox({});
  // Point Codex at a port where nothing listens: the planner keeps "Reconnecting…".
  const gone = await startScriptedModel({});
  const deadUrl = gone.url;
  await gone.close();
  writeScriptedCodexHome(sb.codexHome, deadUrl);
});

after(async () => sb.cleanup());

/** Processes whose command line names this sandbox's project (the planner runs `codex exec -C <project>`). */
function processesOfProject(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(sb.project)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

test('without credentials for its provider, mcp run refuses before planning, in one line, and stores nothing', async () => {
  const env = { ...sb.env };
  delete env[SCRIPTED_MODEL_KEY_ENV];
  const result = await mcp(['run', 'add a readme'], { cwd: sb.project, env });
  assert.equal(result.code, 2, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0] ?? '', /^mcp: codex cannot reach a model: .*env var is missing — Set MCP_SCRIPTED_MODEL_KEY .*codex login.*mcp doctor/);
  const plan = await mcp(['plan', 'add a readme'], { cwd: sb.project, env });
  assert.equal(plan.code, 2);
  assert.match(plan.stderr, /MCP_SCRIPTED_MODEL_KEY/);
  const runs = await mcp(['status', '--json'], { cwd: sb.project, env });
  assert.equal(runs.code === 0 ? (JSON.parse(runs.stdout) as { runs: unknown[] }).runs.length : 0, 0, 'no run was stored');
});

test('a planner waiting for the network says so as it happens, and mcp kill --all stops it: the run is killed', async () => {
  const run = startMcp(['run', 'add a readme', '--no-tty'], { cwd: sb.project, env: sb.env });
  let stdout = '';
  run.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  const done = finished(run, 60_000);
  await waitFor('the planner to report it reconnects', () => (/planner: Reconnecting/.test(stdout) ? true : undefined), 30_000);
  assert.equal((await status(sb)).runs.at(-1)?.status, 'planning');
  assert.ok(processesOfProject().length > 0, 'the planner runs');

  const started = Date.now();
  const kill = await mcp(['kill', '--all'], { cwd: sb.project, env: sb.env });
  assert.equal(kill.code, 0, kill.stderr);
  assert.match(kill.stdout, /stopped .*\(planner\)/);
  const result = await done;
  assert.ok(Date.now() - started < 10_000, `mcp run ended ${Date.now() - started} ms after the kill`);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /warning: codex: .*unreachable/);
  const last = (await status(sb)).runs.at(-1);
  assert.equal(last?.status, 'killed');
  assert.match(last?.reason ?? '', /killed by user during planning/);
  assert.deepEqual(processesOfProject(), [], 'no process of the run is left');
});

test('SIGTERM to a foreground mcp run during planning stops the planner and records the run as killed', async () => {
  const run = startMcp(['run', 'add a license', '--no-tty'], { cwd: sb.project, env: sb.env });
  let stdout = '';
  run.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  const done = finished(run, 60_000);
  await waitFor('the planner to report it reconnects', () => (/planner: Reconnecting/.test(stdout) ? true : undefined), 30_000);
  const started = Date.now();
  run.kill('SIGTERM');
  const result = await done;
  assert.ok(Date.now() - started < 10_000, `mcp run ended ${Date.now() - started} ms after SIGTERM`);
  assert.equal(result.code, 143, 'the shell code for SIGTERM');
  const last = (await status(sb)).runs.at(-1);
  assert.equal(last?.status, 'killed');
  assert.deepEqual(processesOfProject(), []);
});
