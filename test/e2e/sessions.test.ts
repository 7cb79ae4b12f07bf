import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as pty from 'node-pty';
import { events, exited, findTask, finished, MCP, mcp, sandbox, sh, startMcp, status, waitFor, writePlan, type Sandbox } from './harness.js';

// A Codex task is a session a person can talk to: more guidance while it works (`mcp
// send`), the next message when it waits, an end when they say so (`mcp done`); and when it
// waits for a person, mcp says so (the bell in the live view, the notify hook).
let sb: Sandbox;

before(async () => {
  sb = await sandbox({
    rules: [
      // Interactive: a first turn, then whatever the person sends.
      { match: 'TALK_TO_ME', steps: [{ say: 'first turn done; what next?' }, { say: 'second turn done' }] },
      // A turn long enough to steer: the command runs 4 s.
      { match: 'STEER_ME', steps: [{ exec: 'sleep 4' }, { say: 'finished after the steer' }] },
      // Asks twice: the second time is the ask after a crash (the first request was lost with the supervisor).
      { match: 'PUSH_AFTER_CRASH', steps: [{ exec: 'git push origin main', escalate: true }, { exec: 'git push origin main', escalate: true }, { say: 'pushed' }] },
      { match: 'PUSH_NOTIFY', steps: [{ exec: 'git push origin main', escalate: true }, { say: 'pushed' }] },
    ],
  });
  await sh(sb.dir, 'git init -q --bare remote.git');
  await sh(sb.project, `git remote add origin ${JSON.stringify(path.join(sb.dir, 'remote.git'))}`);
});

after(async () => sb.cleanup());

test('an interactive task waits for the next message after each turn; mcp send starts the next turn, mcp done ends it', async () => {
  writePlan(sb.project, { tasks: [{ id: 'talk', prompt: 'TALK_TO_ME', mode: 'interactive' }] }, 'talk.json');
  const done = finished(startMcp(['run', '--plan', 'talk.json'], { cwd: sb.project, env: sb.env }));
  await waitFor('the first turn to end', async () => (findTask(await status(sb), 'talk')?.status === 'waiting_input' ? true : undefined), 60_000);
  const waiting = await mcp(['status', '--waiting'], { cwd: sb.project, env: sb.env });
  assert.match(waiting.stdout, /talk\s+waiting_input.*mcp send talk/);
  const sent = await mcp(['send', 'talk', 'SECOND_MESSAGE please'], { cwd: sb.project, env: sb.env });
  assert.equal(sent.code, 0, sent.stderr);
  assert.match(sent.stdout, /a new turn starts/);
  await waitFor('the second turn to end', async () => {
    const seen = sb.model.records().some((r) => r.userText.includes('SECOND_MESSAGE please'));
    return seen && findTask(await status(sb), 'talk')?.status === 'waiting_input' ? true : undefined;
  }, 60_000);
  const ended = await mcp(['done', 'talk'], { cwd: sb.project, env: sb.env });
  assert.equal(ended.code, 0, ended.stderr);
  const result = await done;
  assert.equal(result.code, 0, result.stderr + result.stdout);
  const json = await status(sb);
  const task = findTask(json, 'talk');
  assert.equal(task?.status, 'succeeded');
  const types = events(json.stateRoot, task?.id ?? '').map((e) => e.type);
  assert.ok(types.filter((t) => t === 'input.waiting').length >= 2, types.join(','));
  assert.ok(types.includes('input.sent'));
  assert.equal(readFileSync(path.join(json.stateRoot, 'runs', task?.id ?? '', 'last-message.md'), 'utf8'), 'second turn done');
});

test('mcp send while a turn runs joins that turn: the model sees the message in its next request', async () => {
  writePlan(sb.project, { tasks: [{ id: 'steer', prompt: 'STEER_ME' }] }, 'steer.json');
  const done = finished(startMcp(['run', '--plan', 'steer.json'], { cwd: sb.project, env: sb.env }));
  await waitFor('the command to run', async () => {
    const task = findTask(await status(sb), 'steer');
    return task && events((await status(sb)).stateRoot, task.id).some((e) => e.type === 'codex.command_started') ? true : undefined;
  }, 60_000);
  const sent = await mcp(['send', 'steer', 'STEERED: keep it short'], { cwd: sb.project, env: sb.env });
  assert.equal(sent.code, 0, sent.stderr);
  assert.match(sent.stdout, /joins the turn under way/);
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  const asks = sb.model.records().filter((r) => r.userText.includes('STEER_ME'));
  assert.doesNotMatch(asks[0]?.userText ?? '', /STEERED/);
  assert.match(asks.at(-1)?.userText ?? '', /STEERED: keep it short/);
});

test('a task that starts waiting rings the bell once in the live view, and the notify hook gets one JSON document', async () => {
  const hook = path.join(sb.dir, 'hook.js');
  const received = path.join(sb.dir, 'hook-received.json');
  writeFileSync(hook, `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>require('fs').appendFileSync(${JSON.stringify(received)}, s));`);
  chmodSync(hook, 0o755);
  writeFileSync(path.join(sb.project, 'mcp.config.json'), JSON.stringify({ notify: ['node', hook] }));
  try {
    writePlan(sb.project, { tasks: [{ id: 'bell', prompt: 'PUSH_NOTIFY' }] }, 'bell.json');
    // On a terminal, as a person runs it: the live view.
    const term = pty.spawn(process.execPath, [MCP, 'run', '--plan', 'bell.json'], { cols: 140, rows: 30, cwd: sb.project, env: { ...sb.env, NO_COLOR: '1' } as Record<string, string> });
    let screen = '';
    term.onData((d) => (screen += d));
    const exit = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    await waitFor('the approval to be asked', async () => (findTask(await status(sb), 'bell')?.status === 'waiting_approval' ? true : undefined), 60_000);
    await waitFor('the live view to show it', () => (screen.includes('waits for you: approval 1') ? true : undefined), 10_000);
    await waitFor('the hook to run', () => {
      try {
        return readFileSync(received, 'utf8').trim() ? true : undefined;
      } catch {
        return undefined;
      }
    }, 10_000);
    const doc = JSON.parse(readFileSync(received, 'utf8')) as Record<string, unknown>;
    assert.equal(doc.key, 'bell');
    assert.equal(doc.kind, 'approval');
    assert.equal(doc.command, 'git push origin main');
    assert.equal(doc.answer, 'mcp approve bell 1 [--session | --deny]');
    assert.equal((await mcp(['approve', 'bell'], { cwd: sb.project, env: sb.env })).code, 0);
    assert.equal(await exit, 0);
    assert.equal(screen.split('\x07').length - 1, 1, 'the bell rang once');
  } finally {
    writeFileSync(path.join(sb.project, 'mcp.config.json'), '{}');
  }
});

test('kill -9 of the supervisor while an approval waits, then mcp resume: the request is asked again, never lost, never answered by itself', async () => {
  writePlan(sb.project, { tasks: [{ id: 'crashy', prompt: 'PUSH_AFTER_CRASH' }] }, 'crashy.json');
  const run = startMcp(['run', '--plan', 'crashy.json'], { cwd: sb.project, env: sb.env });
  const gone = exited(run);
  await waitFor('the approval to be asked', async () => (findTask(await status(sb), 'crashy')?.status === 'waiting_approval' ? true : undefined), 60_000);
  run.kill('SIGKILL');
  await gone;
  const resumed = startMcp(['resume'], { cwd: sb.project, env: sb.env });
  const done = finished(resumed);
  const json = await waitFor('the approval to be asked again', async () => {
    const now = await status(sb);
    const task = findTask(now, 'crashy');
    return task?.status === 'waiting_approval' && task.attempts === 2 ? now : undefined;
  }, 60_000);
  const id = findTask(json, 'crashy')?.id ?? '';
  const asked = events(json.stateRoot, id).filter((e) => e.type === 'approval.requested');
  assert.equal(asked.length, 2, 'asked before the crash, and again after it');
  // The question the dead supervisor held is closed in the record before the task asks anew.
  const story = events(json.stateRoot, id).filter((e) => e.type.startsWith('approval.')).map((e) => `${e.type} ${String(e.id)}${e.type === 'approval.withdrawn' ? `: ${String(e.reason)}` : ''}`);
  assert.deepEqual(story, ['approval.requested 1', 'approval.withdrawn 1: the supervisor stopped (a crash, kill -9 or a reboot) before it was answered', 'approval.requested 1']);
  assert.equal(events(json.stateRoot, id).some((e) => e.type === 'approval.decided'), false, 'nobody answered: not mcp either');
  assert.equal((await mcp(['approve', 'crashy'], { cwd: sb.project, env: sb.env })).code, 0);
  const result = await done;
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.equal(findTask(await status(sb), 'crashy')?.status, 'succeeded');
});
