import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isAlive } from '../../../src/terminal/process-info.js';
import { exited, findTask, mcp, sandbox, startMcp, status, taskOf, waitFor, writePlan, type Sandbox } from '../harness.js';

// Each scenario kill -9s the supervisor (`mcp run`) at a chosen moment, then `mcp resume`.
let sb: Sandbox;

before(async () => {
  sb = await sandbox({
    rules: [
      { match: 'Objective: plan slowly', steps: [{ say: JSON.stringify({ objective: 'x', tasks: [{ id: 'only', title: '', prompt: 'QUICK_WORK', command: null, dependsOn: [], acceptance: null }] }), delayMs: 4000 }] },
      { match: 'SLOW_WORK', steps: [{ exec: 'printf slow > slow.txt', delayMs: 4000 }, { say: 'slow.txt written' }] },
      { match: 'QUICK_WORK', steps: [{ exec: 'printf quick > quick.txt' }, { say: 'quick done' }] },
    ],
  });
});

after(async () => sb.cleanup());

function validEventLines(stateRoot: string, taskId: string): { valid: number; invalid: number } {
  const lines = readFileSync(path.join(stateRoot, 'runs', taskId, 'events.ndjson'), 'utf8').split('\n').filter(Boolean);
  let invalid = 0;
  for (const line of lines) {
    try {
      JSON.parse(line);
    } catch {
      invalid += 1;
    }
  }
  return { valid: lines.length - invalid, invalid };
}

async function crashWhen(args: string[], ready: () => Promise<boolean>): Promise<void> {
  const run = startMcp(args, { cwd: sb.project, env: sb.env });
  const gone = exited(run);
  await waitFor('the moment to crash', async () => ((await ready()) ? true : undefined));
  run.kill('SIGKILL');
  await gone;
}

test('kill -9 while a Codex task runs: resume continues its session, keeps finished work, runs the rest', async () => {
  writePlan(sb.project, {
    tasks: [
      { id: 'done-first', command: ['node', '-e', "console.log('once')"] },
      { id: 'slow', prompt: 'SLOW_WORK', dependsOn: ['done-first'] },
      { id: 'later', prompt: 'QUICK_WORK', dependsOn: ['slow'] },
    ],
  }, 'p1.json');
  await crashWhen(['run', '--plan', 'p1.json'], async () => sb.model.stats().inFlight > 0 && findTask(await status(sb), 'slow')?.status === 'running');
  const crashed = await status(sb);
  assert.equal(taskOf(crashed, 'slow').status, 'running', 'the store still says running: nobody recorded the crash');
  // A new `mcp run` on the same state root offers the resume.
  writePlan(sb.project, { tasks: [{ id: 'noop', command: ['node', '-e', '0'] }] }, 'noop.json');
  const offered = await mcp(['run', '--plan', 'noop.json'], { cwd: sb.project, env: sb.env });
  assert.equal(offered.code, 0, offered.stderr);
  assert.match(offered.stdout, new RegExp(`run ${crashed.runs.at(-1)?.id} was interrupted .*mcp resume ${crashed.runs.at(-1)?.id}`));

  const resumed = await mcp(['resume'], { cwd: sb.project, env: sb.env });
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
  assert.match(resumed.stdout, /resuming run \w+: 1 interrupted task/);
  const json = await status(sb);
  assert.equal(json.runs.find((r) => r.id === crashed.runs.at(-1)?.id)?.status, 'succeeded');
  const run = json.runs.find((r) => r.id === crashed.runs.at(-1)?.id);
  const byKey = (key: string) => run?.tasks.find((t) => t.key === key);
  assert.equal(byKey('done-first')?.attempts, 1, 'a finished task is not redone');
  const slow = byKey('slow');
  assert.ok(slow);
  assert.equal(slow.status, 'succeeded');
  assert.equal(slow.attempts, 2);
  assert.equal(byKey('later')?.status, 'succeeded');
  const events = readFileSync(path.join(json.stateRoot, 'runs', slow.id, 'events.ndjson'), 'utf8');
  assert.match(events, /"to":"interrupted"/);
  assert.match(events, /"type":"resume"/, 'the recorded Codex session was resumed');
  const lastAsk = sb.model.records().filter((r) => r.userText.includes('SLOW_WORK')).at(-1);
  assert.match(lastAsk?.userText ?? '', /interrupted because the orchestrator running it stopped/);
  assert.equal(validEventLines(json.stateRoot, slow.id).invalid, 0);
});

test('kill -9 during a write burst of several MB: no byte written is lost, events stay parseable, the task reruns', async () => {
  // 6 MB in 60 writes over ~3 s; the second attempt finds its marker and prints a short line.
  const burst =
    "const fs=require('fs');if(fs.existsSync('burst-marker')){console.log('second attempt');process.exit(0)}fs.writeFileSync('burst-marker','');" +
    "let i=0;const t=setInterval(()=>{process.stdout.write('x'.repeat(100000));if(++i===60){clearInterval(t)}},50)";
  writePlan(sb.project, { tasks: [{ id: 'burst', command: ['node', '-e', burst] }] }, 'p2.json');
  let sizeAtCrash = 0;
  await crashWhen(['run', '--plan', 'p2.json'], async () => {
    const task = findTask(await status(sb), 'burst');
    if (task?.status !== 'running') return false;
    sizeAtCrash = statSync(path.join((await status(sb)).stateRoot, 'runs', task.id, 'stdout.log'), { throwIfNoEntry: false })?.size ?? 0;
    return sizeAtCrash > 1_000_000;
  });
  const json0 = await status(sb);
  const id = taskOf(json0, 'burst').id;
  const log = path.join(json0.stateRoot, 'runs', id, 'stdout.log');
  const prefix = readFileSync(log, 'latin1');
  const afterCrash = prefix.length;
  assert.ok(afterCrash >= sizeAtCrash, 'what was on disk at the crash is still there');

  const resumed = await mcp(['resume'], { cwd: sb.project, env: sb.env });
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
  const text = readFileSync(log, 'latin1');
  assert.equal(text.slice(0, afterCrash) === prefix, true, 'the bytes written before the crash are unchanged');
  assert.ok(statSync(log).size > afterCrash, 'the second attempt appended, nothing was truncated');
  assert.match(text.slice(afterCrash), /second attempt/);
  assert.equal(/^x+$/.test(text.slice(0, afterCrash).replace(/\r?\n/g, '')), true, 'the first attempt bytes are intact');
  const lines = validEventLines(json0.stateRoot, id);
  assert.equal(lines.invalid, 0);
  assert.ok(lines.valid >= 6);
  assert.equal(taskOf(await status(sb), 'burst').status, 'succeeded');
});

test('kill -9 during planning: resume plans again and completes the run', async () => {
  await crashWhen(['run', 'plan slowly'], async () => sb.model.stats().inFlight > 0 && (await status(sb)).runs.at(-1)?.status === 'planning');
  assert.equal((await status(sb)).runs.at(-1)?.status, 'planning');
  const resumed = await mcp(['resume'], { cwd: sb.project, env: sb.env });
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
  const json = await status(sb);
  assert.equal(json.runs.at(-1)?.status, 'succeeded');
  assert.equal(taskOf(json, 'only').status, 'succeeded');
});

test('orphaned task processes of the dead supervisor are found and stopped before the resume', async () => {
  const hang =
    "const fs=require('fs');if(fs.existsSync('orphan-marker')){process.exit(0)}" +
    "process.on('SIGHUP',()=>{});fs.writeFileSync('orphan-marker','');setInterval(()=>{},1000)";
  writePlan(sb.project, { tasks: [{ id: 'orphan', command: ['node', '-e', hang] }] }, 'p3.json');
  let pid = 0;
  await crashWhen(['run', '--plan', 'p3.json'], async () => {
    const task = findTask(await status(sb), 'orphan');
    pid = task?.pid ?? 0;
    // The marker is written once the SIGHUP handler is in place: crashing earlier would
    // let the kernel's hangup kill the child, and there would be no orphan to find.
    return task?.status === 'running' && pid > 0 && existsSync(path.join(task.workspace ?? '', 'orphan-marker'));
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(isAlive(pid), true, 'the task outlived its supervisor');
  const resumed = await mcp(['resume'], { cwd: sb.project, env: sb.env });
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
  assert.match(resumed.stdout, new RegExp(`stopped orphaned process\\(es\\) ${pid}`));
  assert.equal(isAlive(pid), false);
  const task = taskOf(await status(sb), 'orphan');
  assert.equal(task.status, 'succeeded');
  assert.equal(task.attempts, 2);
});

test('a command the config no longer allows is refused before spawn on resume, and the refusal is an event', async () => {
  const config = path.join(sb.project, 'mcp.config.json');
  writeFileSync(config, JSON.stringify({ allow: ['sleep'] }));
  writePlan(sb.project, { tasks: [{ id: 'sleeper', command: ['sleep', '30'] }] }, 'p4.json');
  await crashWhen(['run', '--plan', 'p4.json'], async () => findTask(await status(sb), 'sleeper')?.status === 'running');
  rmSync(config);
  const resumed = await mcp(['resume'], { cwd: sb.project, env: sb.env });
  assert.equal(resumed.code, 1);
  const task = taskOf(await status(sb), 'sleeper');
  assert.equal(task.status, 'failed');
  assert.match(task.reason ?? '', /refused to start "sleep": only codex and the allow-list/);
  assert.equal(task.attempts, 2, 'refused once, not retried');
  const events = readFileSync(path.join((await status(sb)).stateRoot, 'runs', task.id, 'events.ndjson'), 'utf8');
  assert.match(events, /"type":"spawn.refused"/);
  assert.doesNotMatch(events.split('"type":"spawn.refused"')[1] ?? '', /"type":"started"/, 'nothing was started after the refusal');
});

test('a later mcp run --detach holds the state root: mcp resume RUN hands the dead supervisor\'s run to it, which stops its orphan and finishes it', async () => {
  const hang =
    "const fs=require('fs');if(fs.existsSync('adopt-marker')){process.exit(0)}" +
    "process.on('SIGHUP',()=>{});fs.writeFileSync('adopt-marker','');setInterval(()=>{},1000)";
  writePlan(sb.project, { tasks: [{ id: 'adoptee', command: ['node', '-e', hang] }] }, 'p5.json');
  let pid = 0;
  await crashWhen(['run', '--plan', 'p5.json'], async () => {
    const task = findTask(await status(sb), 'adoptee');
    pid = task?.pid ?? 0;
    return task?.status === 'running' && pid > 0 && existsSync(path.join(task.workspace ?? '', 'adopt-marker'));
  });
  const crashed = (await status(sb)).runs.at(-1)?.id ?? '';
  // Another run, in the background: its supervisor holds the state root until it ends.
  writePlan(sb.project, { tasks: [{ id: 'holder', command: ['node', '-e', 'setInterval(() => {}, 1000)'] }] }, 'p6.json');
  const detached = await mcp(['run', '--plan', 'p6.json', '--detach', '--json'], { cwd: sb.project, env: sb.env });
  assert.equal(detached.code, 0, detached.stderr);
  const { run: holderRun, supervisorPid } = JSON.parse(detached.stdout) as { run: { id: string }; supervisorPid: number };
  try {
    const gone = await mcp(['status', crashed], { cwd: sb.project, env: sb.env });
    assert.match(gone.stdout, new RegExp(`supervisor: gone, .* mcp resume ${crashed}`));
    const resumed = await mcp(['resume', crashed], { cwd: sb.project, env: sb.env });
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
    assert.match(resumed.stdout, new RegExp(`resuming run ${crashed} in the supervisor \\(pid ${supervisorPid}\\) that holds .*: 1 interrupted task\\(s\\), stopped orphaned process\\(es\\) ${pid}`));
    assert.match(resumed.stdout, new RegExp(`run ${crashed} {2}succeeded`));
    assert.equal(isAlive(pid), false);
    const json = await status(sb);
    const task = json.runs.find((r) => r.id === crashed)?.tasks[0];
    assert.deepEqual([task?.status, task?.attempts], ['succeeded', 2]);
    // The supervisor's own run went on meanwhile.
    assert.equal(json.runs.find((r) => r.id === holderRun.id)?.tasks[0]?.status, 'running');
  } finally {
    await mcp(['kill', holderRun.id], { cwd: sb.project, env: sb.env });
    await waitFor('the background run to end', async () => ((await status(sb)).runs.find((r) => r.id === holderRun.id)?.status === 'killed' ? true : undefined));
  }
});
