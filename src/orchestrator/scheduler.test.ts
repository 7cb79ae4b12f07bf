import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { TaskEvent } from '../domain/events.js';
import type { TaskState } from '../domain/task-state.js';
import type { TaskRecord } from '../store/records.js';
import { TaskStore, type NewTask } from '../store/task-store.js';
import { Scheduler, type FollowUp, type ReplanResult, type SchedulerOptions, type TaskOutcome, type TaskRunner } from './scheduler.js';
import { RunTasks } from './transitions.js';

// The scheduler against a fake runner: no Codex, no processes, a real store (SQLite in a
// temp dir) so every transition is checked and written as in a run.

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-scheduler-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Spec {
  key: string;
  dependsOn?: string[];
  status?: TaskState;
  attempts?: number;
}

let counter = 0;

function setup(specs: Spec[]): { store: TaskStore; tasks: RunTasks; events: { task: string; event: TaskEvent }[]; runId: string } {
  counter += 1;
  const runId = `r0000000${counter}`.slice(-9).replace(/^./, 'r');
  const store = TaskStore.open(path.join(tmp, `s${counter}.db`));
  const now = new Date().toISOString();
  const records: NewTask[] = specs.map((s, i) => ({
    id: `${runId}-${s.key}`,
    runId,
    key: s.key,
    position: i,
    planVersion: 1,
    title: s.key,
    kind: 'command',
    mode: 'exec',
    prompt: null,
    command: ['node', '-e', '0'],
    dependsOn: s.dependsOn ?? [],
    acceptance: null,
    timeoutSeconds: null,
    status: s.status ?? 'pending',
    workspace: null,
    branch: null,
    updatedAt: now,
  }));
  store.createRun({ run: { id: runId, objective: 'test', status: 'running', project: tmp, planJson: '{}', parallel: 2, options: {}, createdAt: now }, tasks: records });
  for (const s of specs) if (s.attempts) store.updateTask(`${runId}-${s.key}`, { attempts: s.attempts });
  const events: { task: string; event: TaskEvent }[] = [];
  const tasks = new RunTasks({ store, appendEvent: (task, event) => events.push({ task, event }) }, runId, store.tasksOf(runId));
  return { store, tasks, events, runId };
}

const ok: TaskOutcome = { status: 'succeeded', exitCode: 0, signal: null, reason: null };
const fail = (reason = 'exited with code 1', retryable = true): TaskOutcome => ({ status: 'failed', exitCode: 1, signal: null, reason, retryable });

/** A runner whose attempts end when the test says so, or at once with scripted outcomes. */
class FakeRunner implements TaskRunner {
  readonly log: string[] = [];
  readonly followUps: { key: string; followUp: FollowUp | null }[] = [];
  running = 0;
  maxRunning = 0;
  readonly stopped: string[] = [];
  private readonly pending = new Map<string, (outcome: TaskOutcome) => void>();
  /** Outcomes per key, attempt by attempt; `manual` keys wait for `finish`. */
  constructor(
    private readonly script: Record<string, TaskOutcome[]> = {},
    private readonly manual = new Set<string>(),
    private readonly hooks: { prepare?: (key: string) => Promise<void>; conclude?: (key: string) => Promise<TaskOutcome | void> } = {},
  ) {}

  private key(task: TaskRecord): string {
    return task.key;
  }

  async prepare(task: TaskRecord): Promise<void> {
    this.log.push(`prepare ${this.key(task)}`);
    await this.hooks.prepare?.(this.key(task));
  }

  async run(task: TaskRecord, followUp: FollowUp | null): Promise<TaskOutcome> {
    const key = this.key(task);
    this.log.push(`start ${key}`);
    this.followUps.push({ key, followUp });
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.manual.has(key)) return await new Promise<TaskOutcome>((resolve) => this.pending.set(key, resolve));
      await new Promise((resolve) => setImmediate(resolve));
      const outcomes = this.script[key] ?? [];
      return outcomes[task.attempts - 1] ?? outcomes.at(-1) ?? ok;
    } finally {
      this.running -= 1;
      this.log.push(`end ${key}`);
    }
  }

  async conclude(task: TaskRecord, outcome: TaskOutcome): Promise<TaskOutcome> {
    const changed = await this.hooks.conclude?.(this.key(task));
    this.log.push(`concluded ${this.key(task)}`);
    return changed ?? outcome;
  }

  stop(taskId: string, reason: 'killed' | 'timed_out'): void {
    this.stopped.push(taskId);
    const key = taskId.slice(taskId.indexOf('-') + 1);
    const resolve = this.pending.get(key);
    if (resolve) {
      this.pending.delete(key);
      resolve({ status: reason, exitCode: null, signal: 'SIGTERM', reason: reason === 'killed' ? 'killed by user' : 'task timeout reached' });
    }
  }

  finish(key: string, outcome: TaskOutcome = ok): void {
    const resolve = this.pending.get(key);
    assert.ok(resolve, `${key} is not running`);
    this.pending.delete(key);
    resolve(outcome);
  }

  isRunning(key: string): boolean {
    return this.pending.has(key);
  }
}

const options = (parallel = 2, extra: Partial<SchedulerOptions> = {}): SchedulerOptions => ({ parallel, maxAttempts: 3, backoffMs: 100, maxBackoffMs: 60_000, ...extra });

/** Sleeps recorded instead of waited (each resolves on the next turn of the loop, or when cancelled). */
function fakeSleep(delays: number[]): (ms: number, cancel: AbortSignal) => Promise<void> {
  return (ms, cancel) => {
    delays.push(ms);
    return new Promise((resolve) => {
      const timer = setImmediate(resolve);
      cancel.addEventListener('abort', () => {
        clearImmediate(timer);
        resolve();
      });
    });
  };
}

/** A backoff that lasts until it is cancelled (a kill, a stall), and whether one has begun. */
function endlessSleep(): { sleep: (ms: number, cancel: AbortSignal) => Promise<void>; sleeping: () => boolean } {
  let sleeping = false;
  const sleep = (_ms: number, cancel: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      sleeping = true;
      cancel.addEventListener('abort', () => resolve());
    });
  return { sleep, sleeping: () => sleeping };
}

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i += 1) {
    if (probe()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

function statusOf(tasks: RunTasks, key: string): TaskState | undefined {
  return tasks.byKey(key)?.status;
}

function statesOf(events: { task: string; event: TaskEvent }[], taskId: string): string[] {
  return events.filter((e) => e.task === taskId && e.event.type === 'state').map((e) => (e.event as { to: string }).to);
}

test('at most `parallel` attempts run at once, and every task succeeds', async () => {
  const { tasks } = setup(['a', 'b', 'c', 'd', 'e', 'f'].map((key) => ({ key })));
  const runner = new FakeRunner();
  await new Scheduler({ tasks, runner }, options(2)).run();
  assert.equal(runner.maxRunning, 2);
  for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) assert.equal(statusOf(tasks, key), 'succeeded');
});

test('states go pending -> ready -> running -> succeeded, and the store holds the same', async () => {
  const { tasks, events, store, runId } = setup([{ key: 'a' }]);
  await new Scheduler({ tasks, runner: new FakeRunner() }, options()).run();
  assert.deepEqual(statesOf(events, `${runId}-a`), ['ready', 'running', 'succeeded']);
  const stored = store.getTask(`${runId}-a`);
  assert.equal(stored?.status, 'succeeded');
  assert.equal(stored?.attempts, 1);
  assert.ok(stored?.startedAt && stored.endedAt);
});

test('a dependent is prepared and started only once its dependencies succeeded and their work is recorded', async () => {
  const { tasks } = setup([{ key: 'a' }, { key: 'b', dependsOn: ['a'] }]);
  const runner = new FakeRunner();
  await new Scheduler({ tasks, runner }, options()).run();
  assert.deepEqual(runner.log, ['prepare a', 'start a', 'end a', 'concluded a', 'prepare b', 'start b', 'end b', 'concluded b']);
});

test('workspaces are prepared ahead while the slots are busy, and a slot is freed before the work is recorded', async () => {
  let releaseConclude: () => void = () => undefined;
  const concludeGate = new Promise<void>((resolve) => (releaseConclude = resolve));
  const { tasks } = setup([{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
  const runner = new FakeRunner({}, new Set(['a', 'b']), {
    conclude: async (key) => {
      if (key === 'a') await concludeGate;
    },
  });
  const done = new Scheduler({ tasks, runner }, options(1)).run();
  await until('a runs', () => runner.isRunning('a'));
  // b is prepared while a holds the only slot; c is not (one ahead for one slot).
  await until('b prepared', () => runner.log.includes('prepare b'));
  assert.equal(runner.log.includes('prepare c'), false);
  runner.finish('a');
  // a's commit is still going on: b already has the slot.
  await until('b runs', () => runner.isRunning('b'));
  assert.equal(runner.log.includes('concluded a'), false);
  assert.equal(statusOf(tasks, 'a'), 'running', 'a is not succeeded before its work is recorded');
  releaseConclude();
  runner.finish('b');
  await done;
  assert.deepEqual(['a', 'b', 'c'].map((k) => statusOf(tasks, k)), ['succeeded', 'succeeded', 'succeeded']);
});

test('a failed attempt is retried with doubling backoff, and the next attempt knows what failed', async () => {
  const { tasks, events, runId } = setup([{ key: 'flaky' }]);
  const runner = new FakeRunner({ flaky: [fail('first'), fail('second'), ok] });
  const delays: number[] = [];
  await new Scheduler({ tasks, runner, sleep: fakeSleep(delays) }, options(1, { backoffMs: 100 })).run();
  assert.equal(statusOf(tasks, 'flaky'), 'succeeded');
  assert.deepEqual(delays, [100, 200]);
  assert.deepEqual(
    runner.followUps.map((f) => (f.followUp?.kind === 'retry' ? `${f.followUp.attempt}/${f.followUp.maxAttempts} after ${f.followUp.outcome.reason}` : String(f.followUp))),
    ['null', '2/3 after first', '3/3 after second'],
  );
  assert.deepEqual(statesOf(events, `${runId}-flaky`), ['ready', 'running', 'retrying', 'ready', 'running', 'retrying', 'ready', 'running', 'succeeded']);
  assert.equal(tasks.byKey('flaky')?.attempts, 3);
});

test('the backoff holds no slot: another task runs meanwhile', async () => {
  const { tasks } = setup([{ key: 'flaky' }, { key: 'other' }]);
  let release: () => void = () => undefined;
  const runner = new FakeRunner({ flaky: [fail(), ok] });
  const sleep = (_ms: number, cancel: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      release = resolve;
      cancel.addEventListener('abort', () => resolve());
    });
  const done = new Scheduler({ tasks, runner, sleep }, options(1)).run();
  await until('flaky waits out its backoff', () => statusOf(tasks, 'flaky') === 'retrying');
  await until('other ran in the free slot', () => statusOf(tasks, 'other') === 'succeeded');
  release();
  await done;
  assert.equal(statusOf(tasks, 'flaky'), 'succeeded');
});

test('a task out of attempts fails, its dependents are blocked along the chain, independent work goes on', async () => {
  const { tasks } = setup([{ key: 'a' }, { key: 'b', dependsOn: ['a'] }, { key: 'c', dependsOn: ['b'] }, { key: 'd' }]);
  const runner = new FakeRunner({ a: [fail('broken')] });
  await new Scheduler({ tasks, runner, sleep: fakeSleep([]) }, options(2, { maxAttempts: 2 })).run();
  assert.equal(statusOf(tasks, 'a'), 'failed');
  assert.equal(tasks.byKey('a')?.attempts, 2);
  assert.equal(tasks.byKey('a')?.reason, 'broken');
  assert.equal(statusOf(tasks, 'b'), 'blocked');
  assert.equal(tasks.byKey('b')?.reason, 'dependency a failed');
  assert.equal(statusOf(tasks, 'c'), 'blocked');
  assert.equal(tasks.byKey('c')?.reason, 'dependency b blocked');
  assert.equal(statusOf(tasks, 'd'), 'succeeded');
});

test('a failure another attempt cannot help is not retried and asks for no replan', async () => {
  const { tasks } = setup([{ key: 'refused' }]);
  let replans = 0;
  const runner = new FakeRunner({ refused: [fail('refused to start', false)] });
  await new Scheduler({ tasks, runner, replan: async () => ((replans += 1), { kind: 'none' }) }, options()).run();
  assert.equal(statusOf(tasks, 'refused'), 'failed');
  assert.equal(tasks.byKey('refused')?.attempts, 1);
  assert.equal(replans, 0);
});

test('out of attempts, the task is replanned: the new plan version runs and the run goes on', async () => {
  const { tasks, store, runId } = setup([{ key: 'hard' }, { key: 'after', dependsOn: ['hard'] }, { key: 'side' }]);
  const runner = new FakeRunner({ hard: [fail('too hard')] });
  const asked: string[] = [];
  const replan = async (failed: TaskRecord, outcome: TaskOutcome): Promise<ReplanResult> => {
    asked.push(`${failed.key}: ${outcome.reason}`);
    // As the replanner does: the failed task and what was waiting on it are replaced.
    for (const key of ['hard', 'after']) {
      const old = tasks.byKey(key);
      if (!old) continue;
      const replaced = tasks.update(old, { superseded: true });
      if (replaced.status === 'pending') tasks.transition(replaced, 'blocked', { reason: 'replaced by plan v2' });
    }
    const fresh = { ...store.tasksOf(runId)[0]!, id: `${runId}-easier`, key: 'easier', position: 3, planVersion: 2, status: 'pending' as const, attempts: 0, superseded: false, dependsOn: [] };
    store.addTasks(runId, [{ ...fresh }]);
    tasks.adopt([store.getTask(fresh.id)!]);
    return { kind: 'replanned', added: [fresh] };
  };
  await new Scheduler({ tasks, runner, replan, sleep: fakeSleep([]) }, options(2, { maxAttempts: 1 })).run();
  assert.deepEqual(asked, ['hard: too hard']);
  assert.equal(statusOf(tasks, 'easier'), 'succeeded');
  assert.equal(statusOf(tasks, 'side'), 'succeeded');
  assert.deepEqual(tasks.current().map((t) => t.key).sort(), ['easier', 'side']);
});

test('a replan that stalls fails the run: what had not started is blocked, and says why; what runs finishes', async () => {
  const { tasks } = setup([{ key: 'hard' }, { key: 'waiting', dependsOn: ['hard'] }, { key: 'later' }, { key: 'last' }]);
  const runner = new FakeRunner({ hard: [fail()] }, new Set(['later']));
  const scheduler = new Scheduler({ tasks, runner, replan: async () => ({ kind: 'stalled', reason: 'plan v2 proposes hard again unchanged' }) }, options(1, { maxAttempts: 1 }));
  const done = scheduler.run();
  // The slot hard frees goes to the next task at once, before hard's failure is settled.
  await until('the stall', () => scheduler.stalled !== null && runner.isRunning('later'));
  runner.finish('later');
  await done;
  assert.equal(scheduler.stalled, 'plan v2 proposes hard again unchanged');
  assert.equal(statusOf(tasks, 'waiting'), 'blocked');
  assert.equal(statusOf(tasks, 'later'), 'succeeded');
  assert.equal(statusOf(tasks, 'last'), 'blocked');
  assert.equal(tasks.byKey('last')?.reason, 'not started: plan v2 proposes hard again unchanged');
  // last was prepared for the slot later held: what its preparation started is let go.
  assert.ok(runner.log.includes('prepare last'));
  assert.ok(runner.stopped.includes(tasks.byKey('last')!.id), `stopped: ${runner.stopped.join(', ')}`);
});

test('a run that stalls while a task waits out its backoff: the task is failed, not retried, not called blocked', async () => {
  const { tasks, events } = setup([{ key: 'flaky' }, { key: 'busy' }]);
  const runner = new FakeRunner({ flaky: [fail()] }, new Set(['busy']));
  const { sleep, sleeping } = endlessSleep();
  const scheduler = new Scheduler({ tasks, runner, sleep }, options(2));
  const done = scheduler.run();
  await until('the backoff', () => sleeping() && runner.isRunning('busy'));
  scheduler.stall('merging w2 conflicts and the resolver task failed');
  await until('flaky settles', () => statusOf(tasks, 'flaky') === 'failed');
  runner.finish('busy');
  await done;
  const flaky = tasks.byKey('flaky')!;
  assert.equal(flaky.reason, 'not retried after 1 attempt: merging w2 conflicts and the resolver task failed');
  assert.equal(flaky.attempts, 1);
  assert.equal(flaky.exitCode, 1);
  assert.deepEqual(statesOf(events, flaky.id).slice(-2), ['retrying', 'failed']);
  assert.equal(statusOf(tasks, 'busy'), 'succeeded');
});

test('a task that runs out of attempts after the run stalled asks for no replan: a new plan could not run', async () => {
  const { tasks } = setup([{ key: 'busy' }]);
  const runner = new FakeRunner({}, new Set(['busy']));
  const asked: string[] = [];
  const replan = async (failed: TaskRecord): Promise<ReplanResult> => {
    asked.push(failed.key);
    return { kind: 'none' };
  };
  const scheduler = new Scheduler({ tasks, runner, replan }, options(1, { maxAttempts: 1 }));
  const done = scheduler.run();
  await until('busy runs', () => runner.isRunning('busy'));
  scheduler.stall('the resolver task failed');
  runner.finish('busy', fail());
  await done;
  assert.equal(statusOf(tasks, 'busy'), 'failed');
  assert.deepEqual(asked, []);
});

test('a run that stalls: a task between attempts and ready again is failed, not blocked', async () => {
  const { tasks } = setup([{ key: 'busy' }, { key: 'again', status: 'ready', attempts: 2 }, { key: 'fresh', status: 'ready' }]);
  const runner = new FakeRunner({}, new Set(['busy']));
  const scheduler = new Scheduler({ tasks, runner }, options(1));
  const done = scheduler.run();
  await until('busy runs', () => runner.isRunning('busy'));
  scheduler.stall('the resolver task failed');
  runner.finish('busy');
  await done;
  assert.equal(statusOf(tasks, 'again'), 'failed');
  assert.equal(tasks.byKey('again')?.reason, 'not retried after 2 attempts: the resolver task failed');
  assert.equal(statusOf(tasks, 'fresh'), 'blocked');
  assert.equal(tasks.byKey('fresh')?.reason, 'not started: the resolver task failed');
});

test('kill of a running task stops its attempt; it ends killed, is not retried, and its dependents are blocked', async () => {
  const { tasks } = setup([{ key: 'long' }, { key: 'next', dependsOn: ['long'] }, { key: 'quick' }]);
  const runner = new FakeRunner({}, new Set(['long']));
  const scheduler = new Scheduler({ tasks, runner }, options(2));
  const done = scheduler.run();
  await until('long runs', () => runner.isRunning('long'));
  assert.equal(scheduler.kill(tasks.byKey('long')!.id), true);
  await done;
  assert.equal(statusOf(tasks, 'long'), 'killed');
  assert.equal(tasks.byKey('long')?.attempts, 1);
  assert.equal(statusOf(tasks, 'next'), 'blocked');
  assert.equal(statusOf(tasks, 'quick'), 'succeeded');
});

test('kill of a task that has not started: it never starts, and its dependents are blocked', async () => {
  const { tasks } = setup([{ key: 'first' }, { key: 'second', dependsOn: ['first'] }, { key: 'third', dependsOn: ['second'] }]);
  const runner = new FakeRunner({}, new Set(['first']));
  const scheduler = new Scheduler({ tasks, runner }, options(1));
  const done = scheduler.run();
  await until('first runs', () => runner.isRunning('first'));
  scheduler.kill(tasks.byKey('second')!.id);
  assert.equal(statusOf(tasks, 'second'), 'killed');
  runner.finish('first');
  await done;
  assert.equal(statusOf(tasks, 'first'), 'succeeded');
  assert.equal(statusOf(tasks, 'third'), 'blocked');
  assert.equal(runner.log.includes('start second'), false);
});

test('kill during the backoff ends the task at once, between attempts', async () => {
  const { tasks } = setup([{ key: 'flaky' }]);
  const runner = new FakeRunner({ flaky: [fail()] });
  const { sleep, sleeping } = endlessSleep();
  const scheduler = new Scheduler({ tasks, runner, sleep }, options(1));
  const done = scheduler.run();
  await until('the backoff', () => sleeping());
  scheduler.kill(tasks.byKey('flaky')!.id);
  await done;
  assert.equal(statusOf(tasks, 'flaky'), 'killed');
  assert.equal(tasks.byKey('flaky')?.reason, 'killed by user between attempts');
  assert.equal(tasks.byKey('flaky')?.attempts, 1);
});

test('kill of the run stops what runs and what waits; a task that already succeeded stays succeeded', async () => {
  const { tasks } = setup([{ key: 'done' }, { key: 'busy' }, { key: 'queued' }, { key: 'after', dependsOn: ['busy'] }]);
  const runner = new FakeRunner({}, new Set(['busy']));
  const scheduler = new Scheduler({ tasks, runner }, options(2));
  const done = scheduler.run();
  await until('done succeeded and busy runs', () => statusOf(tasks, 'done') === 'succeeded' && runner.isRunning('busy') && runner.log.includes('start queued'));
  const stopped = scheduler.killAll();
  assert.ok(stopped.includes(tasks.byKey('busy')!.id));
  await done;
  assert.equal(scheduler.killedAll, true);
  assert.equal(statusOf(tasks, 'done'), 'succeeded');
  assert.equal(statusOf(tasks, 'busy'), 'killed');
  assert.equal(statusOf(tasks, 'after'), 'killed');
  assert.equal(tasks.byKey('after')?.reason, 'run killed before the task started');
});

test('kill of the run while a workspace is being prepared: the task never starts', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { tasks } = setup([{ key: 'slowprep' }]);
  const runner = new FakeRunner({}, new Set(), { prepare: () => gate });
  const scheduler = new Scheduler({ tasks, runner }, options(1));
  const done = scheduler.run();
  await until('preparing', () => runner.log.includes('prepare slowprep'));
  scheduler.killAll();
  release();
  await done;
  assert.equal(statusOf(tasks, 'slowprep'), 'killed');
  assert.equal(runner.log.includes('start slowprep'), false);
});

test('after a crash: interrupted tasks continue where they stopped, finished ones are not redone', async () => {
  const { tasks, events, runId } = setup([
    { key: 'finished', status: 'succeeded', attempts: 1 },
    { key: 'cut', dependsOn: ['finished'], status: 'interrupted', attempts: 1 },
    { key: 'rest', dependsOn: ['cut'] },
  ]);
  const runner = new FakeRunner();
  await new Scheduler({ tasks, runner }, options(2)).run();
  assert.equal(runner.log.includes('start finished'), false);
  assert.deepEqual(runner.followUps.map((f) => [f.key, f.followUp?.kind ?? null]), [['cut', 'interrupted'], ['rest', null]]);
  assert.deepEqual(statesOf(events, `${runId}-cut`), ['ready', 'running', 'succeeded']);
  assert.equal(tasks.byKey('cut')?.attempts, 2);
  assert.equal(statusOf(tasks, 'rest'), 'succeeded');
});

test('a workspace that cannot be made is a failed attempt, retried like any other', async () => {
  let tries = 0;
  const { tasks } = setup([{ key: 'ws' }]);
  const runner = new FakeRunner({}, new Set(), {
    prepare: async () => {
      tries += 1;
      if (tries === 1) throw new Error('git worktree add failed: index.lock exists');
    },
  });
  await new Scheduler({ tasks, runner, sleep: fakeSleep([]) }, options(1)).run();
  assert.equal(statusOf(tasks, 'ws'), 'succeeded');
  assert.equal(tasks.byKey('ws')?.attempts, 2);
});

test('recording the work can fail the task (the attempt itself succeeded)', async () => {
  const { tasks } = setup([{ key: 'commit' }]);
  const runner = new FakeRunner({}, new Set(), { conclude: async () => fail('could not commit the workspace', false) });
  await new Scheduler({ tasks, runner }, options(1)).run();
  assert.equal(statusOf(tasks, 'commit'), 'failed');
  assert.equal(tasks.byKey('commit')?.reason, 'could not commit the workspace');
});

test('hold keeps the run open, and a task added meanwhile (a conflict resolver) runs and is awaited', async () => {
  const { tasks, store, runId } = setup([{ key: 'a' }]);
  const runner = new FakeRunner();
  const succeeded: string[] = [];
  let scheduler: Scheduler;
  const onSucceeded = (task: TaskRecord): void => {
    succeeded.push(task.key);
    if (task.key !== 'a') return;
    scheduler.hold(
      (async () => {
        const resolver = { ...store.tasksOf(runId)[0]!, id: `${runId}-merge-a`, key: 'merge-a', position: 1, status: 'pending' as const, attempts: 0 };
        store.addTasks(runId, [resolver]);
        scheduler.add(store.getTask(resolver.id)!, { replannable: false });
        assert.equal(await scheduler.whenSettled(resolver.id), 'succeeded');
      })(),
    );
  };
  scheduler = new Scheduler({ tasks, runner, onSucceeded }, options(1));
  await scheduler.run();
  assert.deepEqual(succeeded, ['a', 'merge-a']);
});

test('a resolver that fails is retried but never replanned', async () => {
  const { tasks, store, runId } = setup([{ key: 'a' }]);
  let replans = 0;
  const runner = new FakeRunner({ 'merge-a': [fail()] });
  let scheduler: Scheduler;
  const onSucceeded = (task: TaskRecord): void => {
    if (task.key !== 'a') return;
    const resolver = { ...store.tasksOf(runId)[0]!, id: `${runId}-merge-a`, key: 'merge-a', position: 1, status: 'pending' as const, attempts: 0 };
    store.addTasks(runId, [resolver]);
    scheduler.add(store.getTask(resolver.id)!, { replannable: false });
  };
  scheduler = new Scheduler({ tasks, runner, onSucceeded, replan: async () => ((replans += 1), { kind: 'none' }), sleep: fakeSleep([]) }, options(1, { maxAttempts: 2 }));
  await scheduler.run();
  assert.equal(statusOf(tasks, 'merge-a'), 'failed');
  assert.equal(tasks.byKey('merge-a')?.attempts, 2);
  assert.equal(replans, 0);
});
