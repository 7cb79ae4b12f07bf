import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { takenBy } from '../../orchestrator/run-supervisor.js';
import { thisProcess } from '../../orchestrator/supervisor-lock.js';
import { StateRoot } from '../../store/state-root.js';
import { TaskStore } from '../../store/task-store.js';
import { processStartTime } from '../../terminal/process-info.js';
import type { FeedMessage, RunHead } from '../wire.js';
import { StateFeed } from './state-feed.js';

function line(task: string, event: Record<string, unknown>): string {
  return `${JSON.stringify({ ts: new Date().toISOString(), task, ...event })}\n`;
}

function fixture(): { dir: string; root: StateRoot; store: TaskStore; events: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-feed-'));
  const root = new StateRoot(dir);
  root.prepare();
  const store = TaskStore.open(root.dbPath);
  return { dir, root, store, events: addWaitingRun(root, store, 'r1') };
}

/** A run whose first task asks to run `git push` (its events file returned), its second waiting for it. */
function addWaitingRun(root: StateRoot, store: TaskStore, runId: string): string {
  const now = new Date().toISOString();
  const base = { runId, position: 0, planVersion: 1, title: 'A', kind: 'prompt' as const, mode: 'interactive' as const, prompt: 'p', command: null, dependsOn: [], acceptance: null, timeoutSeconds: null, status: 'pending' as const, workspace: null, branch: null, updatedAt: now };
  store.createRun({ run: { id: runId, objective: 'o', status: 'running', project: root.dir, planJson: '{}', parallel: 1, options: {}, createdAt: now }, tasks: [{ ...base, id: `${runId}-a`, key: 'a' }, { ...base, id: `${runId}-b`, key: 'b', position: 1, dependsOn: ['a'] }] });
  store.updateTask(`${runId}-a`, { status: 'waiting_approval', startedAt: now });
  const events = root.taskFiles(`${runId}-a`).events;
  mkdirSync(path.dirname(events), { recursive: true });
  writeFileSync(events, line(`${runId}-a`, { type: 'codex.usage', usage: { inputTokens: 7, outputTokens: 3 } }) + line(`${runId}-a`, { type: 'approval.requested', id: 1, kind: 'command', command: 'git push', reason: 'why' }));
  return events;
}

test('a run read from the store and its event files: tokens, digests, and the inbox across runs', async () => {
  const { dir, root, store } = fixture();
  try {
    const feed = new StateFeed(() => store, root, async () => ({ live: false, pid: null }));
    const run = feed.runReply('r1');
    assert.deepEqual(run.tokens, { input: 7, output: 3 });
    assert.equal(run.digests['r1-a']?.approvals[0]?.command, 'git push');
    assert.deepEqual(feed.runsReply().runs.map((r) => [r.id, r.tokens.input, r.counts.waiting_approval]), [['r1', 7, 1]]);
    assert.deepEqual(feed.inbox().items.map((i) => [i.taskId, i.kind, i.approval?.id]), [['r1-a', 'approval', 1]]);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pushes: a watching page gets each new event once, numbered, and the task that changed', async () => {
  const { dir, root, store, events } = fixture();
  try {
    const feed = new StateFeed(() => store, root, async () => ({ live: false, pid: null }), 60_000);
    const got: FeedMessage[] = [];
    const client = { watching: null as string | null, send: (m: FeedMessage) => got.push(m) };
    feed.add(client);
    feed.watch(client, 'r1');
    const reply = feed.taskReply('r1-a');
    assert.equal(reply.eventsEnd, 2);
    await feed.tick(); // the first look at the run: everything is new
    got.length = 0;
    appendFileSync(events, line('r1-a', { type: 'approval.decided', id: 1, decision: 'accept', by: { kind: 'person', user: 'u', uid: 1, pid: 2, via: 'ui' }, at: 'now' }));
    store.updateTask('r1-a', { status: 'running' });
    await feed.tick();
    const pushed = got.filter((m): m is Extract<FeedMessage, { type: 'events' }> => m.type === 'events');
    assert.deepEqual(pushed.map((m) => [m.taskId, m.from, m.events.map((e) => e.type)]), [['r1-a', 2, ['approval.decided']]]);
    const tasks = got.filter((m): m is Extract<FeedMessage, { type: 'tasks' }> => m.type === 'tasks' && m.tasks.length > 0);
    assert.deepEqual(tasks.flatMap((m) => m.tasks.map((t) => [t.id, t.status])), [['r1-a', 'running']]);
    assert.deepEqual(got.find((m) => m.type === 'inbox'), { type: 'inbox', items: [], stranded: [] });
    // Nothing new: nothing pushed.
    got.length = 0;
    await feed.tick();
    assert.deepEqual(got.filter((m) => m.type === 'events' || (m.type === 'tasks' && m.tasks.length > 0)), []);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("flush, as the server stops, waits for a tick still asking the supervisor, and the pages get the last change", async () => {
  const { dir, root, store } = fixture();
  try {
    let answer: (() => void) | undefined;
    let pings = 0;
    const ping = async (): Promise<{ live: boolean; pid: number | null }> => {
      pings += 1;
      if (pings > 1) await new Promise<void>((resolve) => (answer = resolve));
      return { live: false, pid: null };
    };
    const feed = new StateFeed(() => store, root, ping, 60_000);
    await feed.start();
    const got: FeedMessage[] = [];
    const client = { watching: null as string | null, send: (m: FeedMessage) => got.push(m) };
    feed.add(client);
    feed.watch(client, 'r1');
    // Ticks up to the one that asks the supervisor, which does not answer yet.
    for (;;) {
      const tick = feed.tick();
      await new Promise((resolve) => setImmediate(resolve));
      if (answer !== undefined) break;
      await tick;
    }
    store.updateTask('r1-a', { status: 'killed', endedAt: new Date().toISOString() });
    let flushed = false;
    const flushing = feed.flush().then(() => (flushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(flushed, false, 'flush returned while a tick was under way');
    answer();
    await flushing;
    const statuses = got.flatMap((m) => (m.type === 'tasks' ? m.tasks.filter((t) => t.id === 'r1-a').map((t) => t.status) : []));
    assert.equal(statuses.at(-1), 'killed');
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a run whose supervisor is gone, as mcp status tells it: the inbox offers none of what waits in it and names it with its mcp resume, and its time stops at its last change", async () => {
  const { dir, root, store } = fixture();
  try {
    addWaitingRun(root, store, 'r2');
    // This process holds the lock and took r2; r1's supervisor was another process, which died.
    writeFileSync(root.lockPath, JSON.stringify(thisProcess()));
    store.updateRun('r2', takenBy());
    store.updateRun('r1', { supervisorPid: process.ppid, supervisorStart: processStartTime(process.ppid) });
    // Both started an hour before r1's last change; a moment passes since.
    const last = store.getTask('r1-a')?.updatedAt ?? '';
    const taskTime = Date.parse(last) - Date.parse(store.getTask('r1-a')?.startedAt ?? '');
    for (const id of ['r1', 'r2']) store.updateRun(id, { startedAt: new Date(Date.parse(last) - 3_600_000).toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const feed = new StateFeed(() => store, root, async () => ({ live: true, pid: process.pid }), 60_000);
    const gone = 'supervisor: gone, the run will not end by itself; finish it with: mcp resume r1';

    assert.doesNotMatch(JSON.stringify(feed.inbox()), /r1-a/, 'the inbox offers an approval that nobody can answer');
    const inbox = feed.inbox();
    assert.deepEqual(inbox.items.map((i) => [i.runId, i.taskId, i.kind]), [['r2', 'r2-a', 'approval']]);
    assert.deepEqual(inbox.stranded, [{ runId: 'r1', waiting: 1, note: gone }]);
    const heads = new Map(feed.runsReply().runs.map((run) => [run.id, run]));
    assert.deepEqual(pick(heads.get('r1')), { supervisor: 'gone', durationMs: 3_600_000, stoppedAt: last, goneNote: gone });
    assert.equal(heads.get('r2')?.supervisor, 'live');
    assert.ok((heads.get('r2')?.durationMs ?? 0) > 3_600_000, 'a live run counts up to now');
    assert.deepEqual([heads.get('r2')?.stoppedAt, heads.get('r2')?.goneNote], [null, null]);
    const reply = feed.runReply('r1');
    assert.deepEqual(pick(reply.run), pick(heads.get('r1')));
    assert.equal(reply.run.tasks[0]?.durationMs, taskTime);

    // What is pushed says the same.
    const got: FeedMessage[] = [];
    const client = { watching: null as string | null, send: (m: FeedMessage) => got.push(m) };
    feed.add(client);
    feed.watch(client, 'r1');
    await feed.tick();
    const pushed = got.find((m): m is Extract<FeedMessage, { type: 'inbox' }> => m.type === 'inbox');
    assert.deepEqual([pushed?.items.map((i) => i.taskId), pushed?.stranded], [['r2-a'], inbox.stranded]);
    const runs = got.find((m): m is Extract<FeedMessage, { type: 'runs' }> => m.type === 'runs');
    assert.deepEqual(pick(runs?.runs.find((run) => run.id === 'r1')), pick(heads.get('r1')));
    const tasks = got.filter((m): m is Extract<FeedMessage, { type: 'tasks' }> => m.type === 'tasks' && m.runId === 'r1').flatMap((m) => m.tasks);
    assert.deepEqual([...new Set(tasks.filter((t) => t.id === 'r1-a').map((t) => t.durationMs))], [taskTime]);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function pick(run: Pick<RunHead, 'supervisor' | 'durationMs' | 'stoppedAt' | 'goneNote'> | undefined): Record<string, unknown> {
  return { supervisor: run?.supervisor, durationMs: run?.durationMs, stoppedAt: run?.stoppedAt, goneNote: run?.goneNote };
}
