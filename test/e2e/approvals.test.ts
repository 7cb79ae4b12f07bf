import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as pty from 'node-pty';
import { events, findTask, finished, MCP, mcp, sandbox, sh, startMcp, status, waitFor, writePlan, type Sandbox } from './harness.js';

// Codex asks before an escalated command (here: a push, which needs the network its
// sandbox does not give), and, through the rules mcp gives it, before a `git push` or a
// command of the config's `sensitive` list that its sandbox would let through (a push to a
// remote on a local path); the task waits in waiting_approval until a person answers:
// `mcp approve` from another terminal, the Codex TUI through `mcp attach`, or a rule.
const PUSH = 'git push origin main';
let sb: Sandbox;
let remote: string;

before(async () => {
  sb = await sandbox({
    rules: [
      { match: 'PUSH_APPROVED', steps: [{ exec: PUSH, escalate: true }, { say: 'pushed' }] },
      // Not escalated: the sandbox lets a push to a remote under /tmp through; mcp's rules make Codex ask.
      { match: 'PUSH_DENIED', steps: [{ exec: PUSH }, { say: 'understood, not pushing' }] },
      { match: 'PUSH_IN_TUI', steps: [{ exec: PUSH, escalate: true }, { say: 'pushed from the TUI' }] },
      { match: 'PUSH_BY_RULE', steps: [{ exec: PUSH, escalate: true }, { say: 'pushed by rule' }] },
      { match: 'DEPLOY_BY_CONFIG', steps: [{ exec: 'touch deployed.txt' }, { say: 'not deployed' }] },
    ],
  });
  remote = path.join(sb.dir, 'remote.git');
  await sh(sb.dir, `git init -q --bare ${JSON.stringify(remote)}`);
  await sh(sb.project, `git remote add origin ${JSON.stringify(remote)}`);
});

after(async () => sb.cleanup());

async function remoteHead(): Promise<string | null> {
  try {
    return (await sh(sb.dir, `git --git-dir=${JSON.stringify(remote)} rev-parse --verify -q refs/heads/main`)).trim();
  } catch {
    return null;
  }
}

/** Starts a run of one task and waits until it asks for approval. */
async function runUntilWaiting(key: string, task: Record<string, unknown>, extraArgs: string[] = []): Promise<{ done: ReturnType<typeof finished>; id: string; stateRoot: string }> {
  writePlan(sb.project, { tasks: [{ id: key, ...task }] }, `${key}.json`);
  const run = startMcp(['run', '--plan', `${key}.json`, ...extraArgs], { cwd: sb.project, env: sb.env });
  const done = finished(run);
  const waiting = await waitFor(`${key} to wait for approval`, async () => {
    const found = findTask(await status(sb), key);
    return found?.status === 'waiting_approval' ? found : undefined;
  }, 60_000);
  return { done, id: waiting.id, stateRoot: (await status(sb)).stateRoot };
}

test('an exec task whose Codex asks to push waits; mcp approve from another process lets it push, recorded with who', async () => {
  const { done, id, stateRoot } = await runUntilWaiting('pusher', { prompt: 'PUSH_APPROVED' });
  assert.equal(await remoteHead(), null, 'nothing pushed before the answer');
  const waiting = await mcp(['status', '--waiting'], { cwd: sb.project, env: sb.env });
  assert.match(waiting.stdout, /pusher\s+waiting_approval.*approval 1: \$ git push origin main — mcp approve pusher \[--deny\]/);
  const requested = events(stateRoot, id).find((e) => e.type === 'approval.requested');
  // mcp's rule for `git push` decides before the model's own reason for the escalation.
  assert.deepEqual([requested?.kind, requested?.command, requested?.reason], ['command', PUSH, "`/bin/bash -lc 'git push origin main'` requires approval: mcp: `git push` waits for a person"]);

  const approve = await mcp(['approve', 'pusher'], { cwd: sb.project, env: sb.env });
  assert.equal(approve.code, 0, approve.stderr);
  assert.match(approve.stdout, /approved: approval 1 of \S+-pusher: git push origin main/);
  const result = await done;
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.equal(findTask(await status(sb), 'pusher')?.status, 'succeeded');
  assert.notEqual(await remoteHead(), null, 'the push happened');
  const decided = events(stateRoot, id).find((e) => e.type === 'approval.decided') as { decision: string; by: { kind: string; via: string; uid: number } } | undefined;
  assert.equal(decided?.decision, 'accept');
  assert.deepEqual([decided?.by.kind, decided?.by.via, typeof decided?.by.uid], ['person', 'cli', 'number']);
  // Nothing is left to answer: nothing to do (exit 1), said in one line with the task's state.
  const again = await mcp(['approve', 'pusher'], { cwd: sb.project, env: sb.env });
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stderr, /^mcp: task \S+-pusher is not waiting for an approval: it is succeeded — mcp status pusher shows what the task is doing, mcp logs pusher how its questions were answered\n$/);
});

test('--deny: the remote is untouched, and Codex told the model it was refused', async () => {
  const before = await remoteHead();
  const { done } = await runUntilWaiting('refused', { prompt: 'PUSH_DENIED' });
  const deny = await mcp(['approve', 'refused', '--deny'], { cwd: sb.project, env: sb.env });
  assert.equal(deny.code, 0, deny.stderr);
  assert.match(deny.stdout, /denied: approval 1/);
  await done;
  assert.equal(await remoteHead(), before);
  const told = sb.model.records().find((r) => r.userText.includes('PUSH_DENIED') && r.modelOutputs === 1);
  assert.match(told?.toolOutputs.join('\n') ?? '', /rejected by user/);
});

test('the same approval answered in the Codex TUI that mcp attach opens (y); Ctrl-] leaves the TUI, and it ends by itself once the task has', async () => {
  const { done, id, stateRoot } = await runUntilWaiting('tui', { prompt: 'PUSH_IN_TUI' });
  const attach = (): { term: pty.IPty; screen: () => string; exited: Promise<number> } => {
    const term = pty.spawn(process.execPath, [MCP, 'attach', 'tui'], { cols: 120, rows: 40, cwd: sb.project, env: sb.env as Record<string, string> });
    let screen = '';
    term.onData((d) => (screen += d));
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    return { term, screen: () => screen, exited };
  };
  const onScreen = (view: ReturnType<typeof attach>): Promise<true> =>
    waitFor('the approval on the TUI screen', () => (/Would you like to run the following command\?/.test(view.screen()) ? true : undefined), 60_000);

  // Ctrl-] leaves the TUI; the task is not stopped by it, and still waits.
  const first = attach();
  await onScreen(first);
  first.term.write('\u001d');
  assert.equal(await first.exited, 0);
  assert.match(first.screen(), /detached from \S+-tui; it keeps running/);
  assert.equal(findTask(await status(sb), 'tui')?.status, 'waiting_approval');

  const view = attach();
  await onScreen(view);
  // On a loaded machine the TUI can draw the request before it reads keys, and a key
  // pressed then is lost: pressed again until the task goes on (a late extra 'y' only types
  // into the composer, which is never sent).
  const goneOn = async (): Promise<true | undefined> => (findTask(await status(sb), 'tui')?.status === 'waiting_approval' ? undefined : true);
  for (let press = 1; ; press += 1) {
    view.term.write('y');
    try {
      await waitFor('the task to go on', goneOn, 10_000);
      break;
    } catch (error) {
      if (press === 3) throw error;
    }
  }
  const result = await done;
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.equal(findTask(await status(sb), 'tui')?.status, 'succeeded');
  // The task is over: the TUI, which would wait to reconnect to its app-server, is ended.
  const code = await Promise.race([view.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still attached 15 s after the run ended'), 15_000))]);
  if (code !== 0) view.term.kill('SIGKILL');
  assert.equal(code, 0, view.screen().slice(-2000));
  assert.match(view.screen(), /\[\S+-tui ended: succeeded\]/);
  const decided = events(stateRoot, id).find((e) => e.type === 'approval.decided') as { decision: string; by: { via: string } } | undefined;
  assert.deepEqual([decided?.decision, decided?.by.via], ['accept', 'tui']);
});

test('a command task whose argv is sensitive waits before it is spawned; approved it runs, denied it fails', async () => {
  writeFileSync(path.join(sb.project, 'pushed-by-command.txt'), 'x\n');
  await sh(sb.project, 'git add pushed-by-command.txt && git -c user.name=t -c user.email=t@t commit -qm more');
  const { done, id, stateRoot } = await runUntilWaiting('cmdpush', { command: ['git', 'push', 'origin', 'main'] });
  assert.equal(events(stateRoot, id).some((e) => e.type === 'started'), false, 'not spawned before the answer');
  assert.equal((await mcp(['approve', 'cmdpush'], { cwd: sb.project, env: sb.env })).code, 0);
  const result = await done;
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.equal(await remoteHead(), (await sh(sb.project, 'git rev-parse main')).trim());

  // Read after git's global options: `git -C . push` is a push too.
  const second = await runUntilWaiting('cmddeny', { command: ['git', '-C', '.', 'push', 'origin', 'HEAD:refs/heads/other'] });
  assert.equal((await mcp(['approve', 'cmddeny', '--deny'], { cwd: sb.project, env: sb.env })).code, 0);
  const denied = await second.done;
  assert.equal(denied.code, 1);
  const task = findTask(await status(sb), 'cmddeny');
  assert.equal(task?.status, 'failed');
  assert.match(task?.reason ?? '', /^denied by \S+: \$ git -C \. push origin HEAD:refs\/heads\/other$/);
  assert.equal(events(second.stateRoot, second.id).some((e) => e.type === 'started'), false, 'never spawned');
});

test('rules of mcp.config.json answer without a person, each decision recorded with its rule', async () => {
  const config = path.join(sb.project, 'mcp.config.json');
  // `sensitive`: a command Codex runs inside its sandbox without asking waits too.
  writeFileSync(config, JSON.stringify({ sensitive: ['touch deployed.txt'], approvals: { allow: ['git push origin main'], deny: ['git push --force', 'touch deployed.txt'] } }));
  try {
    writePlan(sb.project, { tasks: [{ id: 'ruled', prompt: 'PUSH_BY_RULE' }, { id: 'forced', command: ['git', 'push', '--force', 'origin', 'main'] }, { id: 'deploy', prompt: 'DEPLOY_BY_CONFIG' }] }, 'rules.json');
    const result = await mcp(['run', '--plan', 'rules.json'], { cwd: sb.project, env: sb.env });
    assert.equal(result.code, 1, 'the forced push was denied');
    const json = await status(sb);
    const ruled = findTask(json, 'ruled');
    const forced = findTask(json, 'forced');
    assert.equal(ruled?.status, 'succeeded');
    assert.equal(forced?.status, 'failed');
    assert.match(forced?.reason ?? '', /denied by the rule "git push --force"/);
    const allow = events(json.stateRoot, ruled?.id ?? '').find((e) => e.type === 'approval.decided') as { decision: string; by: unknown } | undefined;
    assert.deepEqual([allow?.decision, allow?.by], ['accept', { kind: 'rule', rule: 'git push origin main', list: 'allow' }]);
    const deny = events(json.stateRoot, forced?.id ?? '').find((e) => e.type === 'approval.decided') as { decision: string; by: unknown } | undefined;
    assert.deepEqual([deny?.decision, deny?.by], ['decline', { kind: 'rule', rule: 'git push --force', list: 'deny' }]);
    const deploy = findTask(json, 'deploy');
    assert.equal(deploy?.status, 'succeeded', 'a refused command does not fail a Codex task');
    const asked = events(json.stateRoot, deploy?.id ?? '');
    assert.match((asked.find((e) => e.type === 'approval.requested') as { reason?: string } | undefined)?.reason ?? '', /mcp: `touch deployed\.txt` waits for a person/);
    const declined = asked.find((e) => e.type === 'approval.decided') as { decision: string; by: unknown } | undefined;
    assert.deepEqual([declined?.decision, declined?.by], ['decline', { kind: 'rule', rule: 'touch deployed.txt', list: 'deny' }]);
    assert.equal(existsSync(path.join(deploy?.workspace ?? '', 'deployed.txt')), false, 'the command never ran');
  } finally {
    writeFileSync(config, '{}');
  }
});

test('mcp kill during waiting_approval stops the task and its Codex; nothing was pushed', async () => {
  const before = await remoteHead();
  const { done, id, stateRoot } = await runUntilWaiting('stopped', { prompt: 'PUSH_APPROVED stopped' });
  const kill = await mcp(['kill', 'stopped'], { cwd: sb.project, env: sb.env });
  assert.equal(kill.code, 0, kill.stderr);
  await done;
  assert.equal(findTask(await status(sb), 'stopped')?.status, 'killed');
  // The question is closed in the record, and the task never went back to running.
  const history = events(stateRoot, id);
  const withdrawn = history.find((e) => e.type === 'approval.withdrawn') as { id: number; reason: string } | undefined;
  assert.deepEqual([withdrawn?.id, withdrawn?.reason], [1, 'the task was killed']);
  const states = history.filter((e) => e.type === 'state').map((e) => `${e.from as string}>${e.to as string}`);
  assert.equal(states.at(-1), 'waiting_approval>killed', states.join(' '));
  assert.equal(await remoteHead(), before);
  assert.equal(existsSync(path.join(sb.project, '.mcp', 'runs', findTask(await status(sb), 'stopped')?.id ?? '', 'codex.sock')), false, 'the app-server is gone');
});
