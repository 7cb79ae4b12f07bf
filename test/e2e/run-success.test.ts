import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseEventLine } from '../../src/domain/events.js';
import { events, mcp, sandbox, sh, status, taskOf, writePlan, type Sandbox } from './harness.js';

// One real orchestration: two independent Codex tasks, one that needs both, then a command.
let sb: Sandbox;
let result: Awaited<ReturnType<typeof mcp>>;

before(async () => {
  sb = await sandbox({
    rules: [
      { match: 'WRITE_ALPHA', steps: [{ exec: 'printf alpha > alpha.txt' }, { say: 'alpha.txt holds alpha' }] },
      { match: 'WRITE_BETA', steps: [{ exec: 'printf beta > beta.txt' }, { say: 'beta.txt holds beta' }] },
      { match: 'JOIN', steps: [{ exec: 'cat alpha.txt beta.txt > joined.txt' }, { say: 'joined.txt combines both' }] },
    ],
  });
  writePlan(sb.project, {
    objective: 'Write two files and join them',
    tasks: [
      { id: 'alpha', title: 'Write alpha', prompt: 'WRITE_ALPHA' },
      { id: 'beta', title: 'Write beta', prompt: 'WRITE_BETA' },
      { id: 'join', title: 'Join', prompt: 'JOIN both files', dependsOn: ['alpha', 'beta'], acceptance: 'joined.txt exists' },
      { id: 'verify', title: 'Verify', command: ['node', '-e', "process.stdout.write(require('fs').readFileSync('joined.txt','utf8'))"], dependsOn: ['join'] },
    ],
  });
  result = await mcp(['run', '--plan', 'plan.json', '--parallel', '2'], { cwd: sb.project, env: sb.env });
});

after(async () => sb.cleanup());

test('the run succeeds and prints a summary with every task', () => {
  assert.equal(result.code, 0, result.stderr + result.stdout);
  for (const key of ['alpha', 'beta', 'join', 'verify']) assert.match(result.stdout, new RegExp(`-${key}\\s+succeeded`));
  assert.match(result.stdout, /4 succeeded/);
});

test('the dependent task saw its dependencies files, and the command task saw the join', async () => {
  const json = await status(sb);
  const join = taskOf(json, 'join');
  assert.equal(readFileSync(path.join(join.workspace ?? '', 'joined.txt'), 'utf8'), 'alphabeta');
  const verify = taskOf(json, 'verify');
  const out = readFileSync(path.join(json.stateRoot, 'runs', verify.id, 'stdout.log'), 'utf8');
  assert.match(out, /alphabeta/);
});

test('status --json has the documented shape and real times', async () => {
  const json = await status(sb);
  assert.equal(json.runs.length, 1);
  const run = json.runs[0];
  assert.ok(run);
  assert.equal(run.status, 'succeeded');
  assert.equal(run.objective, 'Write two files and join them');
  for (const task of run.tasks) {
    assert.equal(task.status, 'succeeded');
    assert.equal(task.attempts, 1);
    assert.equal(task.exitCode, 0);
    assert.ok(task.startedAt && task.endedAt && Date.parse(task.endedAt) >= Date.parse(task.startedAt));
    assert.ok(task.workspace?.includes(path.join('runs', task.id, 'workspace')));
  }
  // The join started only after both of its dependencies ended.
  const join = taskOf(json, 'join');
  for (const key of ['alpha', 'beta']) assert.ok(Date.parse(join.startedAt ?? '') >= Date.parse(taskOf(json, key).endedAt ?? ''));
});

test('each task has its logs, events and final message on disk', async () => {
  const json = await status(sb);
  const alpha = taskOf(json, 'alpha');
  const dir = path.join(json.stateRoot, 'runs', alpha.id);
  for (const file of ['stdout.log', 'stderr.log', 'events.ndjson', 'last-message.md']) assert.ok(existsSync(path.join(dir, file)), file);
  assert.equal(readFileSync(path.join(dir, 'last-message.md'), 'utf8').trim(), 'alpha.txt holds alpha');
  const list = events(json.stateRoot, alpha.id);
  const types = list.map((e) => e.type);
  for (const type of ['started', 'codex.session', 'codex.command', 'codex.message', 'codex.usage', 'exit']) assert.ok(types.includes(type), `${type} in ${types.join(',')}`);
  for (const e of list) assert.match(e.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const command = list.find((e) => e.type === 'codex.command');
  assert.equal(command?.exitCode, 0);
  // Every line mcp wrote, for every task and for the run itself, is an event of the schema.
  for (const file of [...json.runs[0]!.tasks.map((t) => path.join(json.stateRoot, 'runs', t.id, 'events.ndjson')), path.join(json.stateRoot, 'run-records', json.runs[0]!.id, 'events.ndjson')]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) assert.notEqual(parseEventLine(line), null, `${file}: ${line}`);
  }
  // The dependent's prompt carried its dependencies' final messages.
  const prompt = readFileSync(path.join(json.stateRoot, 'runs', taskOf(json, 'join').id, 'prompt.md'), 'utf8');
  assert.match(prompt, /alpha\.txt holds alpha/);
  assert.match(prompt, /beta\.txt holds beta/);
});

test('the store and its snapshot hold the run, and the work sits on task branches only', async () => {
  const json = await status(sb);
  assert.ok(statSync(path.join(json.stateRoot, 'store', 'tasks.db')).size > 0);
  const snapshot = JSON.parse(readFileSync(path.join(json.stateRoot, 'store', 'snapshot.json'), 'utf8')) as { runs: { status: string }[] };
  assert.equal(snapshot.runs[0]?.status, 'succeeded');
  const branches = await sh(sb.project, 'git branch --format="%(refname:short)"');
  const join = taskOf(json, 'join');
  assert.ok(branches.includes(`mcp/${join.id}`));
  assert.equal(await sh(sb.project, `git show mcp/${join.id}:joined.txt`), 'alphabeta');
  // The user's checkout is untouched: no task file, and the state root is invisible to git.
  assert.equal(existsSync(path.join(sb.project, 'joined.txt')), false);
  assert.equal((await sh(sb.project, 'git status --porcelain')).trim(), '?? plan.json');
});

test('logs prints a task log, --plain strips escapes, --stream events prints JSON lines', async () => {
  const plain = await mcp(['logs', 'verify', '--plain'], { cwd: sb.project, env: sb.env });
  assert.equal(plain.code, 0);
  assert.equal(plain.stdout.trim(), 'alphabeta');
  const ev = await mcp(['logs', 'alpha', '--stream', 'events'], { cwd: sb.project, env: sb.env });
  assert.equal(ev.code, 0);
  for (const line of ev.stdout.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line));
});

test("logs of a Codex task prints its transcript: what Codex ran, said, and how the attempt ended", async () => {
  const codex = await mcp(['logs', 'alpha'], { cwd: sb.project, env: sb.env });
  assert.equal(codex.code, 0, codex.stderr);
  assert.equal(codex.stderr, '');
  const lines = codex.stdout.trimEnd().split('\n');
  const at = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
  const order = [/^\d\d:\d\d:\d\d  attempt 1 started$/, /^\d\d:\d\d:\d\d  \$ printf alpha > alpha\.txt$/, /^\d\d:\d\d:\d\d  alpha\.txt holds alpha$/, /  exited 0$/, /  committed to mcp\//, /  succeeded$/].map(at);
  assert.ok(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1]!)), `in order: ${order.join(',')}\n${codex.stdout}`);
  // The command line is shown once, though Codex reports its start and its end.
  assert.equal(lines.filter((line) => line.includes('printf alpha')).length, 1, codex.stdout);
  const id = taskOf(await status(sb), 'alpha').id;
  const json = JSON.parse((await mcp(['logs', 'alpha', '--json'], { cwd: sb.project, env: sb.env })).stdout) as { stream: string; text: string };
  assert.equal(json.stream, 'transcript');
  assert.equal(json.text, codex.stdout);
  // Its terminal is empty: asking for it says so, and where to look.
  const stdout = await mcp(['logs', 'alpha', '--stream', 'stdout'], { cwd: sb.project, env: sb.env });
  assert.equal(stdout.stdout, '');
  assert.equal(stdout.stderr, `mcp: ${id} is a Codex task: its stdout.log stays empty, what it did is its transcript: mcp logs ${id}\n`);
  const elsewhere = await mcp(['logs', 'alpha', '--stream', 'stdout', '--state-dir', path.join(sb.project, '.mcp')], { cwd: sb.dir, env: sb.env });
  assert.ok(elsewhere.stderr.endsWith(`mcp logs ${id} --state-dir '${path.join(sb.project, '.mcp')}'\n`), elsewhere.stderr);
  // A command task's output is its stdout.log: nothing to point at.
  assert.equal((await mcp(['logs', 'verify'], { cwd: sb.project, env: sb.env })).stderr, '');
});

test("logs RUN tells the run as mcp run printed it: each task's start and end in time order, then how the run ended", async () => {
  const json = await status(sb);
  const run = json.runs[0]!;
  const story = await mcp(['logs', run.id], { cwd: sb.project, env: sb.env });
  assert.equal(story.code, 0, story.stderr);
  const lines = story.stdout.trimEnd().split('\n');
  const at = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
  for (const key of ['alpha', 'beta', 'join', 'verify']) {
    const started = at(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${key}\\s+running$`));
    assert.ok(started >= 0 && started < at(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${key}\\s+succeeded$`)), story.stdout);
  }
  assert.ok(at(/  alpha\s+succeeded$/) < at(/  join\s+running$/) && at(/  beta\s+succeeded$/) < at(/  join\s+running$/), story.stdout);
  assert.match(lines.at(-1) ?? '', new RegExp(`^\\d\\d:\\d\\d:\\d\\d  run ${run.id} succeeded; result: mcp/run-${run.id}$`));
  const times = lines.map((line) => line.slice(0, 8)).filter((time) => /^\d\d:/.test(time));
  assert.deepEqual(times, [...times].sort(), 'in time order');
  const doc = JSON.parse((await mcp(['logs', run.id, '--json'], { cwd: sb.project, env: sb.env })).stdout) as { run: string; stream: string; text: string };
  assert.deepEqual([doc.run, doc.stream, doc.text], [run.id, 'transcript', story.stdout]);
  // A run has no terminal of its own.
  const stdout = await mcp(['logs', run.id, '--stream', 'stdout'], { cwd: sb.project, env: sb.env });
  assert.equal(stdout.code, 2);
  assert.match(stdout.stderr, new RegExp(`^mcp: run ${run.id} has no stdout of its own: its tasks do`));
});

test('logs --json is one JSON document: the text of a log, or the events as an array', async () => {
  const text = await mcp(['logs', 'verify', '--plain', '--json'], { cwd: sb.project, env: sb.env });
  assert.equal(text.code, 0, text.stderr);
  const doc = JSON.parse(text.stdout) as { task: string; stream: string; file: string; text: string };
  assert.equal(doc.stream, 'stdout');
  assert.equal(doc.text.trim(), 'alphabeta');
  assert.ok(doc.file.endsWith('stdout.log'));
  const ev = await mcp(['logs', 'alpha', '--stream', 'events', '--json'], { cwd: sb.project, env: sb.env });
  assert.equal(ev.code, 0, ev.stderr);
  const events = (JSON.parse(ev.stdout) as { events: { type: string }[] }).events;
  assert.ok(events.some((e) => e.type === 'exit'));
  const lines = (await mcp(['logs', 'alpha', '--stream', 'events'], { cwd: sb.project, env: sb.env })).stdout.trim().split('\n');
  assert.equal(events.length, lines.length, 'every event line, in one array');
});
