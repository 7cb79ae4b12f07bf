import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { StateRoot } from '../../src/store/state-root.js';
import { TaskStore, type NewTask } from '../../src/store/task-store.js';
import { dashboardUrl, openBrowser, screenshotDir, type Browser } from './browser.js';
import type { ChildProcess } from 'node:child_process';
import { exited, finished, findTask, mcp, sandbox, sh, startMcp, status, waitFor, writePlan, type McpResult, type Sandbox } from './harness.js';

// The dashboard against real runs: the real codex binary and the scripted model.
const PUSH = 'git push origin main 2>/dev/null; echo attempted > push-attempted.txt';
let sb: Sandbox;
let browser: Browser;
const shots = screenshotDir();

before(async () => {
  mkdirSync(shots, { recursive: true });
  sb = await sandbox({
    rules: [
      // The delay keeps the task running long enough to be seen running.
      { match: 'WRITE_ALPHA', steps: [{ exec: 'printf "alpha from codex\\n" > alpha.txt', delayMs: 2500 }, { say: 'alpha.txt holds the greeting' }] },
      { match: 'PUSH_APPROVED', steps: [{ exec: PUSH, escalate: true }, { say: 'push step finished' }] },
      { match: 'PUSH_DENIED', steps: [{ exec: PUSH, escalate: true }, { say: 'understood, not pushing' }] },
    ],
  });
  browser = await openBrowser();
});

after(async () => {
  await browser?.close();
  await sb?.cleanup();
});

/** fetch() will not send another Host header; node:http does (a DNS-rebinding page's request). */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.get({ host: '127.0.0.1', port: target.port, path: `/api/runs${target.search}`, headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

function wsRefusal(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      reject(new Error('the WebSocket was accepted'));
    });
    ws.on('error', () => undefined);
  });
}

test('mcp run --ui: the graph goes from running to succeeded, a terminal shows its output, the diff its change, kill works; no token or a foreign Origin is refused', async () => {
  writePlan(sb.project, {
    tasks: [
      { id: 'alpha', title: 'Write alpha', prompt: 'WRITE_ALPHA' },
      { id: 'sleeper', title: 'Print, then wait', command: ['node', '-e', "console.log('hello from the sleeper task'); setInterval(() => {}, 1000)"], dependsOn: ['alpha'] },
    ],
  }, 'ui-plan.json');
  const run = startMcp(['run', '--plan', 'ui-plan.json', '--ui', '--no-tty'], { cwd: sb.project, env: sb.env });
  const done = finished(run, 180_000);
  try {
    await runPageScenario(run, done);
  } finally {
    // A failed check must not leave the run (and its sleeper) behind for the next test.
    if (run.exitCode === null) run.kill('SIGINT');
    await done.catch(() => undefined);
  }
});

async function runPageScenario(run: ChildProcess, done: Promise<McpResult>): Promise<void> {
  const url = await dashboardUrl(run);
  const origin = new URL(url).origin;
  const token = new URL(url).searchParams.get('token') ?? '';

  // Every request needs the token; a foreign Origin or Host is refused even with it.
  assert.equal((await fetch(`${origin}/`)).status, 401);
  assert.equal((await fetch(`${origin}/api/runs`)).status, 401);
  assert.equal((await fetch(`${origin}/api/runs?token=wrong`)).status, 401);
  const foreign = await fetch(`${origin}/api/runs?token=${token}`, { headers: { Origin: 'http://evil.example' } });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  const kill = await fetch(`${origin}/api/runs/x/kill?token=${token}`, { method: 'POST', headers: { Origin: 'http://evil.example', 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(kill.status, 403);
  assert.equal(await statusWithHost(url, `evil.example:${new URL(url).port}`), 403, 'a DNS-rebinding Host');
  assert.equal(await statusWithHost(url, `127.0.0.1:${new URL(url).port}`), 200);
  // A malformed escape in the path is the client's error.
  const malformed = await fetch(`${origin}/api/tasks/%ZZ?token=${token}`);
  assert.deepEqual([malformed.status, await malformed.json()], [400, { error: 'malformed path segment: %ZZ' }]);
  const wsBase = `ws://127.0.0.1:${new URL(url).port}/ws`;
  assert.equal(await wsRefusal(wsBase, {}), 401);
  assert.equal(await wsRefusal(`${wsBase}?token=${token}`, { Origin: 'http://evil.example' }), 403);

  const { page } = browser;
  await page.goto(url);
  const runLink = page.locator('table.runs-table a').first();
  await runLink.waitFor();
  const runId = (await runLink.textContent()) ?? '';
  await runLink.click();
  const alpha = page.locator('g.node[data-key="alpha"]');
  await alpha.locator('xpath=.').waitFor();
  await page.locator('g.node[data-key="alpha"][data-state="running"]').waitFor({ timeout: 60_000 });
  await page.locator('g.node[data-key="alpha"][data-state="succeeded"]').waitFor({ timeout: 60_000 });
  await page.locator('g.node[data-key="sleeper"][data-state="running"]').waitFor({ timeout: 60_000 });
  // The edge of the dependency is drawn.
  assert.equal(await page.locator('path.edge-dep').count(), 1);

  // The sleeper's terminal, through the supervisor's attach.
  await page.locator('g.node[data-key="sleeper"]').click();
  await page.locator('.term-status', { hasText: 'live' }).waitFor();
  await page.locator('.xterm-rows', { hasText: 'hello from the sleeper task' }).waitFor();
  await page.screenshot({ path: path.join(shots, 'run-page.png') });

  // The diff of alpha against where it started, and its transcript.
  await page.locator('g.node[data-key="alpha"]').click();
  await page.locator('.tab[data-tab="diff"]').click();
  await page.locator('span.d2h-file-name', { hasText: 'alpha.txt' }).waitFor();
  assert.match((await page.locator('.diff').innerText()), /alpha from codex/);
  await page.screenshot({ path: path.join(shots, 'task-diff.png') });
  await page.locator('.tab[data-tab="transcript"]').click();
  await page.locator('.tr-command', { hasText: 'printf' }).waitFor();
  assert.match(await page.locator('.tr-command').first().innerText(), /exit 0/);

  // Kill from the page: the same call as mcp kill.
  await page.locator('g.node[data-key="sleeper"]').click();
  await page.locator('button.kill').click();
  await page.locator('.action-reply.good', { hasText: /stopped \S+-sleeper/ }).waitFor();
  await page.locator('g.node[data-key="sleeper"][data-state="killed"]').waitFor({ timeout: 30_000 });
  const result = await done;
  assert.equal(result.code, 1, result.stderr);
  assert.equal(findTask(await status(sb), 'sleeper')?.status, 'killed');
  assert.match(runId, /^r/);
  assert.deepEqual(browser.errors, []);
}

test('the inbox: two interactive tasks ask to push; Approve for the session lets one run it, Deny refuses the other; Send gives one more; the Codex TUI shows in the page; both end from the page', async () => {
  writePlan(sb.project, { tasks: [{ id: 'pusher', prompt: 'PUSH_APPROVED', mode: 'interactive' }, { id: 'refused', prompt: 'PUSH_DENIED', mode: 'interactive' }] }, 'ui-approvals.json');
  const started = await mcp(['run', '--plan', 'ui-approvals.json', '--parallel', '2', '--detach'], { cwd: sb.project, env: sb.env });
  assert.equal(started.code, 0, started.stderr);
  const ui = startMcp(['ui'], { cwd: sb.project, env: sb.env });
  try {
    const url = await dashboardUrl(ui);
    const { page } = browser;
    await page.goto(`${url}#/inbox`);
    await page.waitForFunction(() => document.title === '(2) mcp', undefined, { timeout: 90_000 });
    const json = await status(sb);
    const pusher = findTask(json, 'pusher');
    const refused = findTask(json, 'refused');
    assert.ok(pusher && refused);
    const item = (id: string) => page.locator(`.inbox-approval[data-task="${id}"]`);
    assert.match(await item(pusher.id).locator('.approval-command').innerText(), /git push origin main/);
    await page.screenshot({ path: path.join(shots, 'inbox.png') });
    // The inbox offers the task panel's three answers.
    assert.equal(await item(pusher.id).locator('button.approve').count(), 1);
    await item(pusher.id).locator('button.approve-session').click();
    await page.locator('.action-reply.good', { hasText: /approved approval 1 for the rest of the session/ }).waitFor();
    await item(refused.id).locator('button.deny').click();
    await page.locator('.action-reply.good', { hasText: /denied approval 1/ }).waitFor();

    // After its turn each session waits for a message: Send starts the next turn, which the
    // model sees.
    const input = page.locator(`.inbox-input[data-task="${pusher.id}"]`);
    await input.waitFor({ timeout: 60_000 });
    await input.locator('textarea').fill('THANKS_FROM_THE_PAGE');
    await input.locator('button.send-button').click();
    const sendReply = await page.locator('.action-reply.good', { hasText: /message sent: a new turn starts/ }).innerText({ timeout: 10_000 });
    await waitFor('the model to get the message', () => (sb.model.records().some((r) => r.userText.includes('THANKS_FROM_THE_PAGE')) ? true : undefined), 60_000);
    await page.locator(`.inbox-input[data-task="${refused.id}"]`).waitFor({ timeout: 60_000 });

    // A Codex task's terminal in the page is the real Codex TUI on its session; End session ends it.
    for (const task of [pusher, refused]) {
      await page.goto(`${url}#/run/${task.id.split('-')[0]}/task/${task.id}`);
      await page.locator('.term-status', { hasText: 'live' }).waitFor();
      await page.locator('.xterm-rows', { hasText: /gpt|Codex|model/ }).waitFor({ timeout: 60_000 });
      await page.screenshot({ path: path.join(shots, `codex-tui-${task.key}.png`) });
      await waitFor(`${task.key} to wait for a message`, async () => (findTask(await status(sb), task.key)?.status === 'waiting_input' ? true : undefined), 60_000);
      await page.locator('button.done').click();
      await page.locator(`g.node[data-task="${task.id}"][data-state="succeeded"]`).waitFor({ timeout: 60_000 });
    }
    assert.equal(existsSync(path.join(pusher.workspace ?? '', 'push-attempted.txt')), true, 'the approved command ran');
    assert.equal(existsSync(path.join(refused.workspace ?? '', 'push-attempted.txt')), false, 'the denied command did not run');

    // The run's result: its diff, then Merge (what mcp merge does) into the project's branch.
    const runId = pusher.id.split('-')[0] ?? '';
    await page.goto(`${url}#/run/${runId}`);
    await page.locator('[data-run-state="succeeded"]').waitFor({ timeout: 60_000 });
    await page.locator('button.result-diff').click();
    await page.locator('span.d2h-file-name', { hasText: 'push-attempted.txt' }).waitFor();
    assert.equal(existsSync(path.join(sb.project, 'push-attempted.txt')), false);
    await page.locator('button.merge').click();
    await page.locator('.action-reply.good', { hasText: `merged mcp/run-${runId} into main` }).waitFor();
    assert.equal(existsSync(path.join(sb.project, 'push-attempted.txt')), true, 'the result was merged into the checkout');
    assert.deepEqual(browser.errors, []);
    console.log(`send reply shown: ${sendReply}`);
  } finally {
    ui.kill('SIGINT');
    await exited(ui);
  }
});

test('mcp ui before the first run creates no state root: the page says no run yet, then shows the run once one starts', async () => {
  // A project of its own: the sandbox's has runs by now.
  const fresh = path.join(sb.dir, 'fresh');
  mkdirSync(fresh);
  await sh(fresh, 'git init -q -b main && git -c user.name=t -c user.email=t@t commit -q --allow-empty -m init');
  const ui = startMcp(['ui'], { cwd: fresh, env: sb.env });
  try {
    const url = await dashboardUrl(ui);
    const { page } = browser;
    await page.goto(url);
    await page.locator('section.runs p.muted', { hasText: 'No run yet' }).waitFor();
    assert.equal(existsSync(path.join(fresh, '.mcp')), false, 'a look created the state root');

    writePlan(fresh, { tasks: [{ id: 'first', command: ['node', '-e', '0'] }] });
    const run = await mcp(['run', '--plan', 'plan.json'], { cwd: fresh, env: sb.env });
    assert.equal(run.code, 0, run.stderr);
    const runId = /run (r\w+)/.exec(run.stdout)?.[1] ?? '';
    await page.locator('table.runs-table a', { hasText: runId }).waitFor({ timeout: 30_000 });
    assert.deepEqual(browser.errors, []);
  } finally {
    ui.kill('SIGINT');
    await exited(ui);
  }
});

test('1,000 tasks: the run page renders grouped by state within a second, opens a group, and fits a phone screen', async () => {
  const stateDir = path.join(sb.dir, 'big-state');
  const root = new StateRoot(stateDir);
  root.prepare();
  const store = TaskStore.open(root.dbPath);
  const runId = 'rbig00001';
  const now = Date.now();
  const states = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'running', 'failed', 'pending'] as const;
  const tasks: NewTask[] = [];
  for (let i = 0; i < 1000; i++) {
    tasks.push({
      id: `${runId}-t${i}`, runId, key: `t${i}`, position: i, planVersion: i >= 900 ? 2 : 1, title: `task ${i}`, kind: 'command', mode: 'exec', prompt: null,
      command: ['node', '-e', '0'], dependsOn: i >= 10 ? [`t${i - 10}`] : [], acceptance: null, timeoutSeconds: null, status: 'pending', workspace: null, branch: null, updatedAt: new Date(now).toISOString(),
    });
  }
  store.createRun({ run: { id: runId, objective: 'a thousand tasks', status: 'running', project: sb.project, planJson: '{}', parallel: 8, options: {}, createdAt: new Date(now - 60_000).toISOString() }, tasks });
  store.updateRun(runId, { startedAt: new Date(now - 60_000).toISOString(), planVersion: 2 });
  tasks.forEach((task, i) => {
    const state = states[i % states.length] as string;
    if (state === 'pending') return;
    store.updateTask(task.id, { status: state as 'succeeded', attempts: 1, startedAt: new Date(now - 50_000).toISOString(), endedAt: state === 'running' ? null : new Date(now - 20_000).toISOString() });
  });
  // A small run with a replan (a task replaced) and a conflict resolver (merge-b resolves b).
  const small = 'rsmall001';
  const at = new Date(now).toISOString();
  const plain = { runId: small, planVersion: 1, kind: 'prompt' as const, mode: 'exec' as const, prompt: 'p', command: null, acceptance: null, timeoutSeconds: null, status: 'succeeded' as const, workspace: null, branch: null, updatedAt: at };
  store.createRun({ run: { id: small, objective: 'replan and resolve', status: 'succeeded', project: sb.project, planJson: '{}', parallel: 2, options: {}, createdAt: at }, tasks: [
    { ...plain, id: `${small}-a`, key: 'a', position: 0, title: 'A', dependsOn: [] },
    { ...plain, id: `${small}-old`, key: 'old', position: 1, title: 'replaced', dependsOn: ['a'], status: 'failed' as const },
    { ...plain, id: `${small}-b`, key: 'b', position: 2, planVersion: 2, title: 'B', dependsOn: ['a'] },
    { ...plain, id: `${small}-merge-b`, key: 'merge-b', position: 3, planVersion: 2, title: 'Resolve the merge conflict of b', dependsOn: [] },
  ] });
  store.updateTask(`${small}-old`, { superseded: true });
  store.updateRun(small, { planVersion: 2, replans: 1, startedAt: at, endedAt: at });
  mkdirSync(root.runDir(small), { recursive: true });
  writeFileSync(root.runFiles(small).events, [{ type: 'planned', version: 1, tasks: ['a', 'old'] }, { type: 'replan', version: 2, tasks: ['b'] }, { type: 'merge.conflict', task: 'b', files: ['x.txt'], resolver: 'merge-b' }].map((e) => JSON.stringify({ ts: at, task: small, ...e })).join('\n') + '\n');
  store.close();
  const ui = startMcp(['ui', '--state-dir', stateDir], { cwd: sb.project, env: sb.env });
  try {
    const url = await dashboardUrl(ui);
    const { page } = browser;
    // Three fresh loads of the page (other work on this 2-core machine makes one alone noisy);
    // the median, from navigation to the graph and the list drawn, must be within a second.
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto('about:blank');
      await page.goto(`${url}#/run/${runId}`);
      await page.waitForSelector('body[data-run-rendered]');
      times.push(Number(await page.evaluate(() => document.body.dataset.runRendered)));
    }
    const median = [...times].sort((a, b) => a - b)[1] ?? Infinity;
    console.log(`first render of a 1,000-task run: ${times.join(', ')} ms from navigation (median ${median})`);
    assert.ok(median <= 1000, `first render took ${times.join(', ')} ms`);
    assert.equal(await page.locator('g.node-task').count(), 0, 'grouped: no task node');
    assert.equal(await page.locator('g.node-group').count(), 4);
    assert.equal(await page.locator('table.tasks-table tbody tr').count(), 1000);
    // A small group opens task by task; a large one filters the list.
    await page.locator('g.node-group[data-group="state:failed"]').click();
    await page.waitForFunction(() => document.querySelectorAll('g.node-task').length === 100);
    await page.locator('g.node-group[data-group="state:succeeded"]').click();
    await page.waitForFunction(() => document.querySelectorAll('table.tasks-table tbody tr').length === 700);
    await page.screenshot({ path: path.join(shots, 'thousand-tasks.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}#/run/${runId}/task/${runId}-t7`);
    await page.locator('.task-panel h2', { hasText: 't7' }).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width} px wide on a 390 px screen`);
    await page.screenshot({ path: path.join(shots, 'phone-task.png') });
    // The run itself on the same screen: the graph's groups in one column.
    await page.goto(`${url}#/run/${runId}`);
    await page.locator('g.node-group').first().waitFor();
    await page.screenshot({ path: path.join(shots, 'phone-run.png') });
    await page.setViewportSize({ width: 1400, height: 900 });

    await page.goto(`${url}#/run/${small}`);
    await page.locator('g.node[data-key="merge-b"]').waitFor();
    assert.equal(await page.locator('path.edge-resolves').count(), 1, 'the resolver hangs off the task it resolves');
    assert.equal(await page.locator('g.node.superseded[data-key="old"]').count(), 1, 'the replaced task is shown as replaced');
    assert.match(await page.locator('g.node[data-key="b"] .node-state').textContent() ?? '', /^v2 · succeeded/);
    await page.screenshot({ path: path.join(shots, 'replan-resolver.png') });
    assert.deepEqual(browser.errors, []);
  } finally {
    ui.kill('SIGINT');
    await exited(ui);
  }
});

test("a run whose supervisor died: the inbox offers none of what waits in it and names the run with its mcp resume, the run page says so, and its time stands still", async () => {
  const stateDir = path.join(sb.dir, 'gone-state');
  const root = new StateRoot(stateDir);
  root.prepare();
  const store = TaskStore.open(root.dbPath);
  const runId = 'rgone0001';
  const taskId = `${runId}-push`;
  const tenMinutesAgo = new Date(Date.now() - 600_000).toISOString();
  store.createRun({ run: { id: runId, objective: 'its supervisor died', status: 'running', project: sb.project, planJson: '{}', parallel: 1, options: {}, createdAt: tenMinutesAgo }, tasks: [
    { id: taskId, runId, key: 'push', position: 0, planVersion: 1, title: 'Push', kind: 'prompt', mode: 'interactive', prompt: 'p', command: null, dependsOn: [], acceptance: null, timeoutSeconds: null, status: 'pending', workspace: null, branch: null, updatedAt: tenMinutesAgo },
  ] });
  // Taken by a supervisor that no longer holds the lock (nobody does): gone.
  store.updateRun(runId, { startedAt: tenMinutesAgo, supervisorPid: 2 ** 22 + 7, supervisorStart: '1' });
  store.updateTask(taskId, { status: 'waiting_approval', attempts: 1, startedAt: tenMinutesAgo });
  mkdirSync(root.taskDir(taskId), { recursive: true });
  writeFileSync(root.taskFiles(taskId).events, `${JSON.stringify({ ts: tenMinutesAgo, task: taskId, type: 'approval.requested', id: 1, kind: 'command', command: 'git push origin main', reason: 'network' })}\n`);
  store.close();
  const gone = `supervisor: gone, the run will not end by itself; finish it with: mcp resume ${runId}`;
  const ui = startMcp(['ui', '--state-dir', stateDir], { cwd: sb.project, env: sb.env });
  try {
    const url = await dashboardUrl(ui);
    const { page } = browser;
    await page.goto(`${url}#/inbox`);
    const stranded = page.locator(`.inbox-stranded[data-run="${runId}"]`);
    await stranded.waitFor();
    assert.match(await stranded.textContent() ?? '', new RegExp(`1 question waits that nobody can answer: ${gone}`));
    assert.equal(await page.locator('.inbox-approval').count(), 0, 'an approval nobody can answer is offered');
    assert.equal(await page.locator('.nav-inbox').textContent(), 'Inbox');

    await page.goto(`${url}#/run/${runId}/task/${taskId}`);
    await page.locator('.run-head .supervisor-gone').waitFor();
    assert.equal(await page.locator('.run-head .supervisor-gone').textContent(), gone);
    await page.locator('.task-panel .supervisor-gone').waitFor();
    assert.equal(await page.locator('.task-panel .approval-card').count(), 0);
    assert.equal(await page.locator('.task-panel .send-button').count(), 0);
    await page.screenshot({ path: path.join(shots, 'supervisor-gone.png') });
    // Ten minutes, from its start to its last change (now); the page's clock ticks every second and moves none of it.
    const times = async (): Promise<string[]> => [
      await page.locator('.run-head .run-title .muted').textContent() ?? '',
      await page.locator(`tr[data-task="${taskId}"] td.elapsed`).textContent() ?? '',
      await page.locator('.task-panel .facts dd').nth(1).textContent() ?? '',
      await page.locator(`g.node[data-key="push"] .node-state`).textContent() ?? '',
    ];
    const before = await times();
    assert.match(before.join('|'), /· 10m00s\|10m00s\|10m00s from .*\|waiting approval · 10m00s$/);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    assert.deepEqual(await times(), before);
    await page.goto(`${url}#/`);
    assert.match(await page.locator(`tr[data-run="${runId}"]`).textContent() ?? '', /supervisor gone.*10m00s/);
    assert.deepEqual(browser.errors, []);
  } finally {
    ui.kill('SIGINT');
    await exited(ui);
  }
});
