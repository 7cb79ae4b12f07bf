import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { finished, mcp, sandbox, startMcp, status, waitFor, writePlan, type Sandbox } from './harness.js';

let sb: Sandbox;
let snapshotBefore: string;

before(async () => {
  sb = await sandbox({});
  // A finished run already on disk: no bad input may damage it.
  writePlan(sb.project, { tasks: [{ id: 'kept', command: ['node', '-e', "console.log('kept output')"] }] }, 'good.json');
  const ok = await mcp(['run', '--plan', 'good.json'], { cwd: sb.project, env: sb.env });
  assert.equal(ok.code, 0, ok.stderr);
  snapshotBefore = JSON.stringify((await status(sb)).runs);
});

after(async () => sb.cleanup());

function assertOneCleanLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.match(lines[0] ?? '', /^mcp: /);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(stderr, /\n\s+at |Error:|node:internal/);
}

const badPlans: [string, unknown, RegExp][] = [
  ['duplicate ids', { tasks: [{ id: 'a', prompt: 'x' }, { id: 'a', prompt: 'y' }] }, /tasks\[1\]\.id: duplicate task id "a"/],
  ['unknown dependency', { tasks: [{ id: 'a', prompt: 'x', dependsOn: ['ghost'] }] }, /tasks\[0\]\.dependsOn\[0\]: unknown task "ghost"/],
  ['dependency listed twice', { tasks: [{ id: 'a', prompt: 'x' }, { id: 'b', prompt: 'y', dependsOn: ['a', 'a'] }] }, /tasks\[1\]\.dependsOn\[1\]: "a" is listed twice/],
  ['cycle', { tasks: [{ id: 'a', prompt: 'x', dependsOn: ['b'] }, { id: 'b', prompt: 'y', dependsOn: ['a'] }] }, /cycle a -> b -> a/],
  ['empty', { tasks: [] }, /the plan has no tasks/],
  ['command not allowed', { tasks: [{ id: 'a', command: ['rm', '-rf', '/'] }] }, /tasks\[0\]\.command\[0\]: "rm" is not on the allow-list/],
  ['invalid JSON', '{"tasks": [', /not valid JSON/],
  ['path-like id', { tasks: [{ id: '../escape', prompt: 'x' }] }, /tasks\[0\]\.id: must match/],
  ['control characters in id', { tasks: [{ id: 'a\u001b[31mred', prompt: 'x' }] }, /tasks\[0\]\.id: must match/],
  ['unknown key', { tasks: [{ id: 'a', prompt: 'x', colour: 'red' }] }, /unknown key "colour"/],
  ['prompt and command', { tasks: [{ id: 'a', prompt: 'x', command: ['git', 'status'] }] }, /exactly one of "prompt" or "command"/],
];

for (const [name, plan, pattern] of badPlans) {
  test(`bad plan (${name}) exits 2 with one line naming the file and field`, async () => {
    const file = writePlan(sb.project, plan, 'bad.json');
    const result = await mcp(['run', '--plan', 'bad.json'], { cwd: sb.project, env: sb.env });
    assert.equal(result.code, 2);
    assertOneCleanLine(result.stderr, pattern);
    assert.ok(result.stderr.includes(file), 'names the file');
    assert.equal(result.stdout, '');
  });
}

test('bad flags and files exit 2 with one line', async () => {
  const cases: [string[], RegExp][] = [
    [['run', '--plan', 'missing.json'], /missing\.json: cannot read the plan \(no such file\)/],
    [['run', '--plan', 'good.json', '--parallel', 'many'], /--parallel must be a whole number/],
    [['run', '--plan', 'good.json', '--parallel', '0'], /--parallel must be a whole number/],
    [['run', '--plan', 'good.json', '--task-timeout', '-5'], /--task-timeout must be a number of seconds above 0/],
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['logs', 'kept', '--stream', 'video'], /argument 'video' is invalid/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run', '--plan', 'good.json', '--project', path.join('no', 'such', 'dir')], /is not a directory/],
  ];
  for (const [args, pattern] of cases) {
    const result = await mcp(args, { cwd: sb.project, env: sb.env });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assertOneCleanLine(result.stderr, pattern);
  }
});

test('a duration past a week (Node would fire its timer at once) exits 2 with one line, before anything runs', async () => {
  const runsBefore = (await status(sb)).runs.length;
  for (const args of [
    ['run', '--plan', 'good.json', '--task-timeout', '3000000'],
    ['run', '--plan', 'good.json', '--idle-timeout', '604801'],
    ['status', '--watch', '--interval', '1e9'],
  ]) {
    const result = await mcp(args, { cwd: sb.project, env: sb.env, timeoutMs: 10_000 });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assertOneCleanLine(result.stderr, /must be a number of seconds above 0 and at most 604800 \(a week\)/);
  }
  assert.equal((await status(sb)).runs.length, runsBefore);
});

test('--max-replans takes 0 (no replan) to 20, and its message says so', async () => {
  for (const raw of ['-1', '21']) {
    const result = await mcp(['run', '--plan', 'good.json', '--max-replans', raw], { cwd: sb.project, env: sb.env });
    assert.equal(result.code, 2, result.stderr);
    assertOneCleanLine(result.stderr, new RegExp(`--max-replans must be a whole number from 0 to 20, not "${raw}"`));
  }
});

test('resume and kill --all with no state root say there are no runs there, and create none', async () => {
  const none = path.join(sb.dir, 'no-state-root');
  for (const [args, said] of [
    [['resume'], 'nothing to resume'],
    [['kill', '--all'], 'nothing to stop'],
  ] as const) {
    const result = await mcp([...args, '--state-dir', none], { cwd: sb.project, env: sb.env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `no runs in ${none}: ${said}\n`);
    assert.equal(result.stderr, '');
  }
  assert.equal(existsSync(none), false);
});

test('a bare mcp prints its help on stderr and exits 1 (asked for, help is a success)', async () => {
  const bare = await mcp([], { cwd: sb.project, env: sb.env });
  assert.equal(bare.code, 1);
  assert.equal(bare.stdout, '');
  assert.match(bare.stderr, /^Usage: mcp /);
  const asked = await mcp(['--help'], { cwd: sb.project, env: sb.env });
  assert.equal(asked.code, 0);
  assert.match(asked.stdout, /^Usage: mcp /);
});

test('refused flag combinations write nothing: no run is stored, none is left running', async () => {
  const runsBefore = (await status(sb)).runs.length;
  const cases: [string[], RegExp][] = [
    [['run', '--plan', 'good.json', '--detach', '--apply'], /--apply needs to wait for the run/],
    [['run', '--plan', 'good.json', '--interactive'], /--interactive and --task go together/],
    [['run', '--plan', 'good.json', '--idle-timeout', 'soon'], /--idle-timeout must be a number of seconds above 0/],
  ];
  for (const [args, pattern] of cases) {
    const result = await mcp(args, { cwd: sb.project, env: sb.env });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assertOneCleanLine(result.stderr, pattern);
    assert.equal(result.stdout, '');
  }
  const after_ = await status(sb);
  assert.equal(after_.runs.length, runsBefore, 'no phantom run was stored');
  // The next run does not report an interrupted run either.
  const next = await mcp(['run', '--plan', 'good.json'], { cwd: sb.project, env: sb.env });
  assert.equal(next.code, 0, next.stderr);
  assert.doesNotMatch(next.stdout + next.stderr, /interrupted/);
});

test('a config with unknown keys or wrong types exits 2 naming the key', async () => {
  const configFile = path.join(sb.project, 'mcp.config.json');
  writeFileSync(configFile, JSON.stringify({ allow: ['docker'], paralel: 3 }));
  let result = await mcp(['run', '--plan', 'good.json'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 2);
  assertOneCleanLine(result.stderr, /mcp\.config\.json: \(top level\): unknown key "paralel"/);
  writeFileSync(configFile, JSON.stringify({ parallel: 'three' }));
  result = await mcp(['run', '--plan', 'good.json'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 2);
  assertOneCleanLine(result.stderr, /mcp\.config\.json: parallel: /);
  writeFileSync(configFile, JSON.stringify({ allow: ['docker'] }));
  writePlan(sb.project, { tasks: [{ id: 'a', command: ['docker', 'ps'] }] }, 'docker.json');
  result = await mcp(['run', '--plan', 'docker.json', '--json'], { cwd: sb.project, env: { ...sb.env, PATH: '/usr/bin:/bin' } });
  // Allowed by config, so validation passes; docker is absent here, so the task fails cleanly.
  assert.notEqual(result.code, 2, result.stderr);
  writeFileSync(configFile, '{}');
});

test('a state root that is a file exits 2 and nothing on disk was lost', async () => {
  const file = path.join(sb.dir, 'not-a-dir');
  writeFileSync(file, 'keep me');
  const result = await mcp(['run', '--plan', 'good.json', '--state-dir', file], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 2);
  assertOneCleanLine(result.stderr, /is not a directory/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
});

test('mcp run | head: a reader that leaves before the run is handed over leaves the run running, no internal error', async () => {
  // The plan is printed before the supervisor takes the run: the EPIPE of that write used to
  // end mcp there ("internal error: write EPIPE", exit 1), the run left pending with no supervisor.
  writePlan(sb.project, { tasks: [{ id: 'unread', command: ['node', '-e', '0'] }] }, 'unread.json');
  for (const args of [['run', '--plan', 'unread.json', '--detach'], ['run', '--plan', 'unread.json']]) {
    const child = startMcp(args, { cwd: sb.project, env: sb.env });
    child.stdout?.destroy();
    const result = await finished(child);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, '', args.join(' '));
    const run = await waitFor(`the run of ${args.join(' ')} to end`, async () => {
      const last = (await status(sb)).runs.at(-1);
      return last?.status === 'running' ? undefined : last;
    });
    assert.deepEqual([run.status, run.tasks.map((t) => t.key)], ['succeeded', ['unread']]);
  }
});

test('after all of that, the earlier run and its logs are intact', async () => {
  const json = await status(sb);
  const kept = json.runs.find((r) => r.tasks.some((t) => t.key === 'kept'));
  assert.ok(kept);
  assert.equal(JSON.stringify([kept]), JSON.stringify(JSON.parse(snapshotBefore)));
  const log = readFileSync(path.join(json.stateRoot, 'runs', kept.tasks[0]?.id ?? '', 'stdout.log'), 'utf8');
  assert.match(log, /kept output/);
});

test('a reader that leaves early (mcp status --json | head) ends the command quietly with its code, no internal error', async () => {
  // Help is printed before any command runs (mcp logs --help | head -3).
  for (const args of [['status', '--json'], ['status'], ['status', '--watch', '--interval', '0.2'], ['logs', 'kept'], ['logs', '--help'], ['--help']]) {
    const child = startMcp(args, { cwd: sb.project, env: sb.env });
    // Closed before mcp has written anything: its first write meets EPIPE.
    child.stdout?.destroy();
    const result = await finished(child);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, '', args.join(' '));
  }
});
