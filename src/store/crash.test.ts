import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import type { TaskRecord } from './records.js';
import { TaskStore } from './task-store.js';

// The store survives a crash mid-write: a child process hammers it (a run of 200 tasks, then
// one committed update after another, and a new 200-task run every 150 updates) and is SIGKILLed.
// Every update is announced on stdout before it is made, so the parent knows the last update
// the child reached: the store must hold exactly a prefix of them. The child writes to fd 1
// itself: process.stdout queues in memory once the pipe is full (a busy parent reads late),
// and a SIGKILL then lost announcements of updates already made (one CI run: "store has
// update 2850, child announced 2677"). fd 1 as spawned is blocking: a write returns once the
// pipe holds it.

const TASKS = 200;
const RUN_EVERY = 150;
const STORE_URL = new URL('./task-store.js', import.meta.url).href;

const CHILD = `
import { writeSync } from 'node:fs';
import { TaskStore } from ${JSON.stringify(STORE_URL)};
const store = TaskStore.open(process.env.CRASH_DB);
const round = process.env.CRASH_ROUND;
const now = () => new Date().toISOString();
const tasks = (runId) => Array.from({ length: ${TASKS} }, (_, i) => ({
  id: runId + '-t' + i, runId, key: 't' + i, position: i, planVersion: 1, title: 'task ' + i + ' é',
  kind: 'prompt', mode: 'exec', prompt: 'p'.repeat(500), command: null, dependsOn: i ? ['t' + (i - 1)] : [],
  acceptance: null, timeoutSeconds: null, status: 'pending', workspace: null, branch: null, updatedAt: now(),
}));
const makeRun = (id) => store.createRun({
  run: { id, objective: 'crash ' + id, status: 'running', project: '/tmp/p', planJson: '{}', parallel: 2, options: {}, createdAt: now() },
  tasks: tasks(id),
});
const main = 'r' + round + 'main';
makeRun(main);
writeSync(1, 'ready\\n');
for (let c = 1; ; c += 1) {
  writeSync(1, c + '\\n');
  store.updateTask(main + '-t' + (c % ${TASKS}), { reason: String(c), attempts: c, status: 'running' });
  if (c % ${RUN_EVERY} === 0) makeRun('r' + round + 'x' + c / ${RUN_EVERY});
}
`;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-crash-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const dbPath = path.join(tmp, 'store é', 'tasks.db');
mkdirSync(path.dirname(dbPath));

interface Crash {
  ready: boolean;
  /** The last update the child announced: it made every one before it, and maybe this one. */
  lastAnnounced: number;
  signal: NodeJS.Signals | null;
}

/** Runs the child until `killAfterMs` after it said ready, then SIGKILLs it. */
function crashChild(round: number, killAfterMs: number): Promise<Crash> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: { ...process.env, CRASH_DB: dbPath, CRASH_ROUND: String(round) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let ready = false;
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!ready && out.startsWith('ready\n')) {
        ready = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(giveUp);
      if (!ready) return reject(new Error(`the child never got ready (exit ${code}, ${signal}): ${err}`));
      // Only whole lines count: a number cut by the kill was never followed by its update... or was.
      const lines = out.split('\n');
      const complete = lines.slice(1, -1);
      const last = complete.at(-1);
      resolve({ ready, lastAnnounced: last === undefined ? 0 : Number(last), signal });
    });
  });
}

function openStore(): TaskStore {
  return TaskStore.open(dbPath);
}

function integrity(): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** The last update that touched task i, when updates 1..m were made in order. */
function lastUpdateOf(i: number, m: number): number | null {
  const c = m - ((((m - i) % TASKS) + TASKS) % TASKS);
  return c >= 1 ? c : null;
}

test('SIGKILL in the middle of writes, three times at different moments: the store is intact and holds a prefix of the updates', async () => {
  const earlier = new Map<string, TaskRecord[]>();
  const delays = [300, 450, 600];
  let totalUpdates = 0;
  for (const [index, delay] of delays.entries()) {
    const round = index + 1;
    const crash = await crashChild(round, delay);
    assert.equal(crash.signal, 'SIGKILL');

    const store = openStore();
    try {
      assert.equal(integrity(), 'ok');
      const runs = store.listRuns();
      // Every run of every round is whole: created in one transaction, so 200 tasks or none.
      for (const run of runs) {
        const tasks = store.tasksOf(run.id);
        assert.equal(tasks.length, TASKS, `run ${run.id}`);
        assert.deepEqual(
          tasks.map((t) => t.position),
          Array.from({ length: TASKS }, (_, i) => i),
        );
        for (const t of tasks) {
          assert.equal(t.runId, run.id);
          assert.ok(Array.isArray(t.dependsOn));
          assert.equal(t.title, `task ${t.position} é`);
        }
        assert.deepEqual(store.getTask(tasks[TASKS - 1]?.id ?? ''), tasks[TASKS - 1]);
      }

      const main = `r${round}main`;
      const tasks = store.tasksOf(main);
      assert.equal(tasks.length, TASKS, 'the child said ready, so its run is there');
      const counters = tasks.map((t) => (t.reason === null ? 0 : Number(t.reason)));
      const m = Math.max(0, ...counters);
      // Committed updates: all those before the last one announced, and maybe that one; never more.
      assert.ok(m === crash.lastAnnounced || m === crash.lastAnnounced - 1, `store has update ${m}, child announced ${crash.lastAnnounced}`);
      assert.ok(m >= 0);
      // A prefix: every task holds exactly the last update 1..m that touched it.
      for (const t of tasks) {
        const c = lastUpdateOf(t.position, m);
        assert.equal(t.reason, c === null ? null : String(c), `task ${t.key} after ${m} updates`);
        assert.equal(t.attempts, c ?? 0);
        assert.equal(t.status, c === null ? 'pending' : 'running');
      }
      // The extra runs are numbered 1..n with no gap, n matching the updates made.
      const extras = runs.filter((r) => r.id.startsWith(`r${round}x`)).map((r) => Number(r.id.slice(`r${round}x`.length)));
      extras.sort((a, b) => a - b);
      assert.deepEqual(extras, Array.from({ length: extras.length }, (_, i) => i + 1));
      const full = Math.floor(m / RUN_EVERY);
      assert.ok(extras.length === full || (m % RUN_EVERY === 0 && extras.length === full - 1), `${extras.length} extra runs after ${m} updates`);

      // Earlier rounds were not disturbed by later crashes.
      for (const [runId, before] of earlier) assert.deepEqual(store.tasksOf(runId), before, `run ${runId} changed`);
      for (const run of runs) if (!earlier.has(run.id)) earlier.set(run.id, store.tasksOf(run.id));
      totalUpdates += m;
    } finally {
      store.close();
    }
  }
  // The crashes happened while the child was busy writing, not before it started.
  assert.ok(totalUpdates >= 30, `only ${totalUpdates} updates were made before the kills`);
  // And the store still takes writes after the last crash.
  const store = openStore();
  try {
    store.updateTask('r1main-t1', { reason: 'after' });
    assert.equal(store.getTask('r1main-t1')?.reason, 'after');
  } finally {
    store.close();
  }
  assert.equal(integrity(), 'ok');
});
