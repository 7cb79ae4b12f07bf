import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { events, mcp, sandbox, sh, status, taskOf, writePlan, type Sandbox } from './harness.js';

// A model outage, a failing command and their dependents, beside a task that must still finish.
let sb: Sandbox;
let result: Awaited<ReturnType<typeof mcp>>;

before(async () => {
  sb = await sandbox({
    rules: [
      { match: 'OUTAGE', steps: [{ fail: 500 }] },
      { match: 'HEALTHY', steps: [{ exec: 'printf ok > ok.txt' }, { say: 'ok' }] },
    ],
  });
  writePlan(sb.project, {
    tasks: [
      { id: 'outage', prompt: 'OUTAGE please' },
      { id: 'after-outage', prompt: 'HEALTHY', dependsOn: ['outage'] },
      { id: 'chain-end', command: ['node', '-e', '0'], dependsOn: ['after-outage'] },
      { id: 'crash', command: ['node', '-e', "console.error('boom on stderr'); process.exit(3)"] },
      { id: 'after-crash', command: ['node', '-e', '0'], dependsOn: ['crash'] },
      { id: 'healthy', prompt: 'HEALTHY' },
    ],
  });
  result = await mcp(['run', '--plan', 'plan.json', '--parallel', '2'], { cwd: sb.project, env: sb.env });
});

after(async () => sb.cleanup());

test('the run fails with exit 1', () => {
  assert.equal(result.code, 1, result.stderr);
});

test('a 500 from the model fails the task with the reason recorded', async () => {
  const json = await status(sb);
  const outage = taskOf(json, 'outage');
  assert.equal(outage.status, 'failed');
  assert.equal(outage.exitCode, null, 'a failed turn is no process exit');
  assert.match(outage.reason ?? '', /codex turn failed/);
  const types = events(json.stateRoot, outage.id).map((e) => e.type);
  assert.ok(types.includes('codex.turn_failed'), types.join(','));
  const human = await mcp(['status', 'outage'], { cwd: sb.project, env: sb.env });
  assert.match(human.stdout, /state\s+failed/);
  assert.match(human.stdout, /reason\s+codex turn failed/);
});

test('a non-zero exit fails the task, quoting its stderr', async () => {
  const crash = taskOf(await status(sb), 'crash');
  assert.equal(crash.status, 'failed');
  assert.equal(crash.exitCode, 3);
  // The last attempt's stderr only, though stderr.log holds every attempt's.
  assert.ok(crash.attempts > 1, `attempts: ${crash.attempts}`);
  assert.equal(crash.reason, 'exited with code 3: boom on stderr');
});

test('stderr is kept apart from the PTY stream', async () => {
  const json = await status(sb);
  const dir = path.join(json.stateRoot, 'runs', taskOf(json, 'crash').id);
  assert.match(readFileSync(path.join(dir, 'stderr.log'), 'utf8'), /boom on stderr/);
  assert.doesNotMatch(readFileSync(path.join(dir, 'stdout.log'), 'utf8'), /boom/);
});

test('dependents are blocked all the way down, and independent work finishes', async () => {
  const json = await status(sb);
  assert.equal(taskOf(json, 'after-outage').status, 'blocked');
  assert.match(taskOf(json, 'after-outage').reason ?? '', /dependency outage failed/);
  assert.equal(taskOf(json, 'chain-end').status, 'blocked');
  assert.equal(taskOf(json, 'after-crash').status, 'blocked');
  assert.equal(taskOf(json, 'healthy').status, 'succeeded');
  assert.equal(taskOf(json, 'after-outage').attempts, 0);
  assert.equal(json.runs[0]?.status, 'failed');
});

test('a missing codex binary fails prompt tasks with a clear reason; command tasks still run', async () => {
  writePlan(sb.project, { tasks: [{ id: 'nocodex', prompt: 'HEALTHY' }, { id: 'cmd', command: ['node', '-e', '0'] }] }, 'plan2.json');
  const run = await mcp(['run', '--plan', 'plan2.json'], { cwd: sb.project, env: { ...sb.env, MCP_CODEX_BIN: path.join(sb.dir, 'no-such-codex') } });
  assert.equal(run.code, 1);
  const json = await status(sb);
  const task = taskOf(json, 'nocodex');
  assert.equal(task.status, 'failed');
  assert.match(task.reason ?? '', /codex binary not found/);
  assert.equal(taskOf(json, 'cmd').status, 'succeeded');
  // The run says why it failed, not only the live lines did.
  assert.match(json.runs.at(-1)?.reason ?? '', /^nocodex failed \(codex binary not found: .*\)$/);
});

test('a conflict whose resolver fails: its resolver has a key of its own, the other tasks are still merged, a task between attempts is failed (not "blocked"), and the reason names what is missing', async () => {
  const write = (file: string, text: string, delayMs = 0): string[] => ['node', '-e', `setTimeout(() => require('fs').writeFileSync('${file}', '${text}'), ${delayMs})`];
  writePlan(
    sb.project,
    {
      tasks: [
        { id: 'one', command: write('same.txt', 'one') },
        { id: 'two', command: write('same.txt', 'two') },
        { id: 'flaky', command: ['node', '-e', 'process.exit(1)'] },
        // Ends after the resolver failed: its merge comes after the failed one.
        { id: 'late', command: write('late.txt', 'late', 2500) },
        // The names a resolver would take: it takes another, as keys name tasks.
        { id: 'merge-one', command: ['node', '-e', '0'] },
        { id: 'merge-two', command: ['node', '-e', '0'] },
      ],
    },
    'plan3.json',
  );
  // No codex: the resolver fails at once, and no replan can be asked for.
  const run = await mcp(['run', '--plan', 'plan3.json', '--parallel', '4', '--max-attempts', '9'], { cwd: sb.project, env: { ...sb.env, MCP_CODEX_BIN: path.join(sb.dir, 'no-such-codex') } });
  assert.equal(run.code, 1, run.stderr);
  const json = await status(sb);
  const last = json.runs.at(-1)!;
  assert.equal(last.status, 'failed');
  assert.match(last.reason ?? '', /^merging (one|two) into mcp\/run-\S+ conflicts in same\.txt and the resolver task failed; not on mcp\/run-\S+: the work of (one|two)$/);
  const flaky = taskOf(json, 'flaky');
  assert.equal(flaky.status, 'failed');
  assert.match(flaky.reason ?? '', /^not retried after \d+ attempts?: merging (one|two) into/);
  assert.equal(taskOf(json, 'late').status, 'succeeded');
  const keys = last.tasks.map((t) => t.key);
  assert.equal(new Set(keys).size, keys.length, keys.join(', '));
  assert.ok(keys.some((key) => /^merge-(one|two)-2$/.test(key)), keys.join(', '));
  const files = (await sh(sb.project, `git ls-tree --name-only mcp/run-${last.id}`)).split('\n').filter(Boolean).sort();
  assert.deepEqual(files, ['README.md', 'late.txt', 'same.txt']);
});
