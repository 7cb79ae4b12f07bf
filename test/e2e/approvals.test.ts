import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openAttach } from '../../src/orchestrator/attach-client.js';
import { StateRoot } from '../../src/store/state-root.js';
import { findTask, finished, mcp, sandbox, startMcp, status, waitFor, writePlan, type Sandbox } from './harness.js';

// The model asks to push (an escalated command): Codex's own approval prompt appears in
// the interactive TUI, and only `mcp approve` answers it.
const PUSH = 'git push origin main 2>/dev/null; echo attempted > push-attempted.txt';
let sb: Sandbox;

before(async () => {
  sb = await sandbox({
    rules: [
      { match: 'PUSH_APPROVED', steps: [{ exec: PUSH, escalate: true }, { say: 'push step finished' }] },
      { match: 'PUSH_DENIED', steps: [{ exec: PUSH, escalate: true }, { say: 'understood, not pushing' }] },
    ],
  });
});

after(async () => sb.cleanup());

function eventsOf(stateRoot: string, taskId: string): { type: string; [k: string]: unknown }[] {
  return readFileSync(path.join(stateRoot, 'runs', taskId, 'events.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string });
}

/** Types into the task's TUI through the supervisor, as a viewer would. */
async function typeInto(socketPath: string | null, taskId: string, text: string): Promise<void> {
  const session = await openAttach(socketPath, taskId, 120, 40);
  assert.ok(session?.reply.ok, 'attached');
  session.input(Buffer.from(text));
  await new Promise((resolve) => setTimeout(resolve, 400));
  session.input(Buffer.from('\r'));
  await new Promise((resolve) => setTimeout(resolve, 300));
  session.close();
}

async function scenario(key: string, prompt: string, deny: boolean): Promise<{ stateRoot: string; taskId: string; workspace: string; code: number | null; approveOut: string }> {
  writePlan(sb.project, { tasks: [{ id: key, prompt, mode: 'interactive' }] }, `${key}.json`);
  const run = startMcp(['run', '--plan', `${key}.json`], { cwd: sb.project, env: sb.env });
  const done = finished(run);
  const waiting = await waitFor('the approval prompt', async () => {
    const task = findTask(await status(sb), key);
    return task?.status === 'waiting_approval' ? task : undefined;
  }, 60_000);
  assert.match(waiting.reason ?? '', /approval 1 needed: \$ git push origin main/);
  const human = await mcp(['status', key], { cwd: sb.project, env: sb.env });
  assert.match(human.stdout, /state\s+waiting_approval/);

  const approve = await mcp(['approve', key, '1', ...(deny ? ['--deny'] : [])], { cwd: sb.project, env: sb.env });
  assert.equal(approve.code, 0, approve.stderr);
  const json = await status(sb);
  const stateRoot = json.stateRoot;
  const taskId = waiting.id;
  const turnDone = (): true | undefined => {
    const list = eventsOf(stateRoot, taskId);
    const decided = list.findIndex((e) => e.type === 'approval.decided');
    return decided !== -1 && list.slice(decided).some((e) => e.type === 'interactive.waiting_input') ? true : undefined;
  };
  await waitFor('the turn to finish after the decision', turnDone, 60_000);
  // Approving again is refused: nothing is pending.
  const again = await mcp(['approve', key], { cwd: sb.project, env: sb.env });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /not waiting for an approval/);
  await typeInto(new StateRoot(stateRoot).socketPath, taskId, '/quit');
  const result = await done;
  return { stateRoot, taskId, workspace: waiting.workspace ?? '', code: result.code, approveOut: approve.stdout };
}

test('an interactive task waits for approval of a push; mcp approve lets it run, recorded with who and when', async () => {
  const r = await scenario('pusher', 'PUSH_APPROVED', false);
  assert.match(r.approveOut, /approved approval 1 of \S+-pusher: \$ git push origin main/);
  assert.equal(existsSync(path.join(r.workspace, 'push-attempted.txt')), true, 'the approved command ran');
  const decided = eventsOf(r.stateRoot, r.taskId).find((e) => e.type === 'approval.decided');
  assert.equal(decided?.decision, 'accept');
  const by = decided?.by as { kind: string; user: string; uid: number; pid: number; via: string };
  assert.deepEqual([by.kind, by.via, typeof by.uid, typeof by.pid], ['person', 'cli', 'number', 'number']);
  assert.match(String(decided?.at), /^\d{4}-\d\d-\d\dT/);
  assert.equal(r.code, 0, 'the session ended with /quit and the task succeeded');
  assert.equal(findTask(await status(sb), 'pusher')?.status, 'succeeded');
});

test('mcp approve --deny refuses the command: it never runs, and the refusal is recorded', async () => {
  const r = await scenario('refused', 'PUSH_DENIED', true);
  assert.equal(existsSync(path.join(r.workspace, 'push-attempted.txt')), false, 'the denied command did not run');
  const events = eventsOf(r.stateRoot, r.taskId);
  assert.equal(events.find((e) => e.type === 'approval.decided')?.decision, 'decline');
  assert.equal(events.find((e) => e.type === 'approval.requested')?.command, PUSH);
});
