import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { SCRIPTED_MODEL_KEY_ENV, writeScriptedCodexHome } from '../../scripted-model/codex-home.js';
import { startScriptedModel, type ScriptedModel } from '../../scripted-model/server.js';
import { answerApproval, describeApproval } from './approvals.js';
import { AppServerClient, type ServerRequestHandle } from './client.js';
import { AppServerRequestError } from './errors.js';
import type { ServerNotification } from './methods.js';
import { codexAppServerArgs, taskThreadStartParams, textInput } from './task-session.js';
import { sensitiveCodexRules, writeTaskRules } from './task-rules.js';

/**
 * The real `codex app-server` (the pinned 0.169.0) against the scripted model, in one
 * app-server process: an escalated `git push` accepted, one inside the sandbox declined, a steered turn. Each
 * Codex turn costs a few CPU-seconds, so this stays at three.
 */

// dist/src/agents/app-server/ is four levels below the repository root.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CODEX = path.join(REPO, 'node_modules/.bin/codex');
/** Bound on any single wait, so a broken Codex fails the test instead of hanging it. */
const WAIT_MS = 60_000;

let dir: string;
let taskDir: string;
let workspace: string;
let remote: string;
let codexHome: string;
let model: ScriptedModel;
let server: ChildProcess;
let serverStderr = '';
let client: AppServerClient;
const notifications: ServerNotification[] = [];
const requests: ServerRequestHandle[] = [];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' }).trim();
}

function remoteMain(): string | null {
  try {
    return execFileSync('git', ['--git-dir', remote, 'rev-parse', '--verify', '-q', 'refs/heads/main'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; app-server stderr:\n${serverStderr}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  return within(
    new Promise<T>((resolve) => {
      const poll = (): void => {
        const found = find();
        if (found !== undefined) resolve(found);
        else setTimeout(poll, 20);
      };
      poll();
    }),
    what,
  );
}

function ofThread(threadId: string): ServerNotification[] {
  return notifications.filter((n) => (n.params as { threadId?: string }).threadId === threadId || (n.method === 'thread/started' && n.params.thread.id === threadId));
}

function turnCompleted(threadId: string): Promise<Extract<ServerNotification, { method: 'turn/completed' }>['params']> {
  return waitFor(() => notifications.find((n): n is Extract<ServerNotification, { method: 'turn/completed' }> => n.method === 'turn/completed' && n.params.threadId === threadId)?.params, `turn/completed of ${threadId}`);
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-app-server-'));
  // A task's layout: runs/<task>/workspace, the task's rules in runs/<task>/.codex/rules.
  taskDir = path.join(dir, 'runs', 'task');
  workspace = path.join(taskDir, 'workspace');
  remote = path.join(dir, 'remote.git');
  mkdirSync(workspace, { recursive: true });
  writeTaskRules(taskDir, sensitiveCodexRules([], workspace));
  git(workspace, 'init', '-q', '-b', 'main');
  execFileSync('sh', ['-c', 'echo "# project" > README.md'], { cwd: workspace });
  git(workspace, 'add', '-A');
  git(workspace, 'commit', '-qm', 'init');
  git(dir, 'init', '-q', '--bare', remote);
  git(workspace, 'remote', 'add', 'origin', remote);

  model = await startScriptedModel({
    rules: [
      { match: 'push-and-accept', steps: [{ exec: 'git push origin main', escalate: true }, { say: 'Pushed.' }] },
      // Not escalated: inside the sandbox, where a push to a remote on a local path would go unasked but for mcp's rules;
      // written with git's `-C`, as a model does, which a rule for `git push` alone would not see.
      { match: 'push-and-decline', steps: [{ exec: `git -C ${workspace} push origin main` }, { say: 'Could not push.' }] },
      { match: 'steer-me', steps: [{ exec: 'sleep 1' }, { say: 'Done after the steer.' }] },
    ],
  });
  codexHome = path.join(dir, 'codex-home');
  // Its approval_policy is "never": thread/start must override it.
  writeScriptedCodexHome(codexHome, model.url);
  const env = { ...process.env, CODEX_HOME: codexHome, [SCRIPTED_MODEL_KEY_ENV]: 'scripted', NO_COLOR: '1' };
  const socketPath = path.join(dir, 'codex.sock');
  // Its own process group: the npm launcher of codex is a separate process on Node 20, and
  // killing only the launcher would leave the app-server running.
  server = spawn(CODEX, codexAppServerArgs(socketPath, taskDir), { cwd: workspace, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  server.stderr?.on('data', (chunk: Buffer) => (serverStderr += chunk.toString()));
  client = await AppServerClient.connect({ socketPath, clientInfo: { name: 'mcp-test', title: null, version: '0.0.0' } });
  client.onNotification((n) => notifications.push(n));
  client.onServerRequest((h) => requests.push(h));
});

after(async () => {
  await client?.close();
  if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    process.kill(-server.pid, 'SIGTERM');
    await within(exited, 'the app-server to exit');
  }
  await model?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an escalated git push asks for approval; accepted, it pushes and the turn completes', async () => {
  const started = await client.request('thread/start', taskThreadStartParams());
  assert.equal(started.approvalPolicy, 'on-request', 'the thread overrides the config’s "never"');
  assert.equal(started.sandbox.type, 'workspaceWrite');
  assert.equal(started.cwd, workspace, 'the app-server’s cwd is the thread’s');
  const threadId = started.thread.id;
  const { turn } = await client.request('turn/start', { threadId, input: textInput('push-and-accept') });

  const approval = await waitFor(() => requests.find((h) => h.method === 'item/commandExecution/requestApproval' && h.params.threadId === threadId), 'the approval request');
  assert.ok(approval.method === 'item/commandExecution/requestApproval');
  assert.equal(approval.params.turnId, turn.id);
  assert.match(approval.params.command ?? '', /git push origin main/);
  // mcp's rule for `git push` decides before the model's own reason for the escalation.
  assert.equal(approval.params.reason, "`/bin/bash -lc 'git push origin main'` requires approval: mcp: `git push` waits for a person");
  assert.equal(describeApproval(approval)?.kind, 'command');
  assert.ok(
    ofThread(threadId).some((n) => n.method === 'thread/status/changed' && n.params.status.type === 'active' && n.params.status.activeFlags.includes('waitingOnApproval')),
    'the thread says it waits on an approval',
  );
  assert.equal(remoteMain(), null, 'nothing pushed before the answer');

  assert.equal(answerApproval(approval, 'approve'), true);
  const completed = await turnCompleted(threadId);
  assert.equal(completed.turn.status, 'completed');
  assert.equal(approval.state(), 'answered');
  assert.equal(remoteMain(), git(workspace, 'rev-parse', 'HEAD'));

  const seen = ofThread(threadId);
  const isCommand = (n: ServerNotification): boolean => (n.method === 'item/started' || n.method === 'item/completed') && n.params.item.type === 'commandExecution';
  const order = [
    seen.findIndex((n) => n.method === 'turn/started'),
    seen.findIndex((n) => n.method === 'item/started' && isCommand(n)),
    seen.findIndex((n) => n.method === 'serverRequest/resolved' && n.params.requestId === approval.id),
    seen.findIndex((n) => n.method === 'item/completed' && isCommand(n)),
    seen.findIndex((n) => n.method === 'turn/completed'),
  ];
  assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] ?? -1))), `notifications in order: ${seen.map((n) => n.method).join(', ')}`);
  assert.doesNotMatch(readFileSync(path.join(codexHome, 'config.toml'), 'utf8'), /\[projects\./, 'no trust entry written into CODEX_HOME');
});

test("a push inside the sandbox asks too (mcp's rules); declined, it leaves the remote untouched and Codex tells the model", async () => {
  const pushedBefore = remoteMain();
  execFileSync('sh', ['-c', 'echo more >> README.md'], { cwd: workspace });
  git(workspace, 'commit', '-qam', 'more');
  const { thread } = await client.request('thread/start', taskThreadStartParams());
  await client.request('turn/start', { threadId: thread.id, input: textInput('push-and-decline') });

  const approval = await waitFor(() => requests.find((h) => h.method === 'item/commandExecution/requestApproval' && h.params.threadId === thread.id), 'the approval request');
  assert.ok(approval.method === 'item/commandExecution/requestApproval');
  assert.equal(approval.params.command, `/bin/bash -lc 'git -C ${workspace} push origin main'`);
  assert.equal(approval.params.reason, `\`/bin/bash -lc 'git -C ${workspace} push origin main'\` requires approval: mcp: \`git push\` waits for a person`);
  assert.equal(answerApproval(approval, 'deny'), true);
  const completed = await turnCompleted(thread.id);
  assert.equal(completed.turn.status, 'completed', 'a refusal does not end the turn');
  assert.equal(remoteMain(), pushedBefore);
  const command = ofThread(thread.id).find((n) => n.method === 'item/completed' && n.params.item.type === 'commandExecution');
  assert.ok(command?.method === 'item/completed' && command.params.item.type === 'commandExecution');
  assert.equal(command.params.item.status, 'declined');
  const told = model.records().find((r) => r.userText.includes('push-and-decline') && r.modelOutputs === 1);
  assert.match(told?.toolOutputs.join('\n') ?? '', /rejected by user/);
});

test('turn/steer adds a message to the running turn: the model sees it in its next request', async () => {
  const { thread } = await client.request('thread/start', taskThreadStartParams());
  await assert.rejects(client.request('turn/steer', { threadId: thread.id, expectedTurnId: 'none', input: textInput('too early') }), (error: unknown) => {
    assert.ok(error instanceof AppServerRequestError);
    assert.equal(error.code, -32600);
    assert.match(error.rpcMessage, /no active turn/);
    return true;
  });
  const { turn } = await client.request('turn/start', { threadId: thread.id, input: textInput('steer-me') });
  await waitFor(() => ofThread(thread.id).find((n) => n.method === 'item/started' && n.params.item.type === 'commandExecution'), 'the command to start');
  const steered = await client.request('turn/steer', { threadId: thread.id, expectedTurnId: turn.id, input: textInput('STEERED: mention the steer') });
  assert.equal(steered.turnId, turn.id);
  const completed = await turnCompleted(thread.id);
  assert.equal(completed.turn.id, turn.id, 'no new turn: the same one took the message');
  assert.equal(completed.turn.status, 'completed');
  const after = model.records().filter((r) => r.userText.includes('steer-me'));
  assert.equal(after.length, 2);
  assert.doesNotMatch(after[0]?.userText ?? '', /STEERED/);
  assert.match(after[1]?.userText ?? '', /STEERED: mention the steer/);
});
