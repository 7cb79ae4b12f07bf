import { isFinalRunState, TASK_STATES } from '../domain/task-state.js';
import type { RunRecord, TaskSummary } from './records.js';
import type { TaskStore } from './task-store.js';

/** The documented shape of `mcp status --json` and of `store/snapshot.json`. */
export interface TaskView {
  id: string;
  key: string;
  title: string;
  kind: 'prompt' | 'command';
  mode: 'exec' | 'interactive';
  status: string;
  attempts: number;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  dependsOn: string[];
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  workspace: string | null;
  branch: string | null;
  sessionId: string | null;
  pid: number | null;
  planVersion: number;
  /** Replaced by a later plan version (kept for the record). */
  superseded: boolean;
}

/**
 * Who runs an unfinished run (orchestrator/run-supervisor.ts): `live`, `starting` (just
 * written, no supervisor has taken it yet) or `gone` (its supervisor died: `mcp resume`
 * finishes it); null once the run has ended.
 */
export type RunSupervisor = 'live' | 'starting' | 'gone' | null;

/** Tells a run's supervisor; given by `mcp status` only, which is why `supervisor` is optional. */
export type SupervisorOf = (run: RunRecord) => RunSupervisor;

export interface RunView {
  id: string;
  objective: string;
  status: string;
  project: string;
  planVersion: number;
  replans: number;
  parallel: number;
  reason: string | null;
  resultBranch: string | null;
  resultSummary: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  /**
   * Set by `mcp status` alone: the snapshot is written by the supervisor itself, and a file
   * cannot say when its writer died.
   */
  supervisor?: RunSupervisor;
  counts: Record<string, number>;
  tasks: TaskView[];
}

/**
 * The time a run's durations count up to: now, except for a run whose supervisor is gone.
 * Nothing moves in that run until `mcp resume`, and when its supervisor died is not known:
 * its clock stops at the last thing the store knows happened in it, its latest task update
 * (or its start), and so do its tasks that had not ended (they were running then; what
 * came after is not known). `lastTaskUpdate` is asked only for such a run.
 */
function runClock(run: Pick<RunRecord, 'startedAt'>, supervisor: RunSupervisor | undefined, lastTaskUpdate: () => string | null, now: number): number {
  if (supervisor !== 'gone') return now;
  const known = [run.startedAt, lastTaskUpdate()].filter((time): time is string => time !== null).map(Date.parse);
  return known.length > 0 ? Math.min(now, Math.max(...known)) : now;
}

/**
 * Where the durations of a run whose supervisor is gone stopped (runClock), or null while they
 * count up to now: for the dashboard's page, which counts them itself every second.
 */
export function stoppedClock(run: Pick<RunRecord, 'startedAt'>, tasks: readonly Pick<TaskSummary, 'updatedAt'>[], supervisor: RunSupervisor | undefined, now = Date.now()): number | null {
  return supervisor === 'gone' ? runClock(run, supervisor, () => lastUpdateOf(tasks), now) : null;
}

/** The latest `updatedAt` of tasks, as SQLite's max() of the column finds it (TaskStore.lastTaskUpdate). */
function lastUpdateOf(tasks: readonly Pick<TaskSummary, 'updatedAt'>[]): string | null {
  let last: string | null = null;
  for (const task of tasks) if (last === null || task.updatedAt > last) last = task.updatedAt;
  return last;
}

export function durationMs(startedAt: string | null, endedAt: string | null, now = Date.now()): number | null {
  if (!startedAt) return null;
  const end = endedAt ? Date.parse(endedAt) : now;
  return Math.max(0, end - Date.parse(startedAt));
}

export function taskView(task: TaskSummary, now = Date.now()): TaskView {
  return {
    id: task.id,
    key: task.key,
    title: task.title,
    kind: task.kind,
    mode: task.mode,
    status: task.status,
    attempts: task.attempts,
    exitCode: task.exitCode,
    signal: task.signal,
    reason: task.reason,
    dependsOn: task.dependsOn,
    startedAt: task.startedAt,
    endedAt: task.endedAt,
    durationMs: durationMs(task.startedAt, task.endedAt, now),
    workspace: task.workspace,
    branch: task.branch,
    sessionId: task.sessionId,
    pid: task.pid,
    planVersion: task.planVersion,
    superseded: task.superseded,
  };
}

/**
 * A run's view without its tasks; `tasks` comes last so a caller can append it. `supervisor`
 * undefined: not asked (the field is left out); `now` is the run's clock (runClock).
 */
function runHead(run: RunRecord, counts: Record<string, number>, now: number, supervisor: RunSupervisor | undefined): Omit<RunView, 'tasks'> {
  return {
    id: run.id,
    objective: run.objective,
    status: run.status,
    project: run.project,
    planVersion: run.planVersion,
    replans: run.replans,
    parallel: run.parallel,
    reason: run.reason,
    resultBranch: run.resultBranch,
    resultSummary: run.resultSummary,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationMs: durationMs(run.startedAt, run.endedAt, now),
    ...(supervisor !== undefined ? { supervisor } : {}),
    counts,
  };
}

/** Counts keyed in lifecycle order (pending first, final states last), whatever order they came in. */
function lifecycleCounts(counts: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const state of TASK_STATES) {
    const n = counts.get(state);
    if (n) out[state] = n;
  }
  return out;
}

export function runView(run: RunRecord, tasks: TaskSummary[], now = Date.now(), supervisorOf?: SupervisorOf): RunView {
  const { head, clock } = headAndClock(run, tasks, now, supervisorOf);
  return { ...head, tasks: tasks.map((task) => taskView(task, clock)) };
}

/** runView without its tasks' views, for a list of runs (the dashboard's): counted from the same tasks, on the same clock. */
export function runHeadView(run: RunRecord, tasks: readonly TaskSummary[], now = Date.now(), supervisorOf?: SupervisorOf): Omit<RunView, 'tasks'> {
  return headAndClock(run, tasks, now, supervisorOf).head;
}

function headAndClock(run: RunRecord, tasks: readonly TaskSummary[], now: number, supervisorOf: SupervisorOf | undefined): { head: Omit<RunView, 'tasks'>; clock: number } {
  const counts = new Map<string, number>();
  for (const task of tasks) if (!task.superseded) counts.set(task.status, (counts.get(task.status) ?? 0) + 1);
  const supervisor = supervisorOf?.(run);
  const clock = runClock(run, supervisor, () => lastUpdateOf(tasks), now);
  return { head: runHead(run, lifecycleCounts(counts), clock, supervisor), clock };
}

export function allRunViews(store: TaskStore, now = Date.now(), supervisorOf?: SupervisorOf): RunView[] {
  const byRun = new Map<string, TaskSummary[]>();
  for (const task of store.taskSummaries()) {
    const list = byRun.get(task.runId) ?? [];
    list.push(task);
    byRun.set(task.runId, list);
  }
  return store.listRuns().map((run) => runView(run, byRun.get(run.id) ?? [], now, supervisorOf));
}

/**
 * The JSON text (UTF-8) of allRunViews, or of one run's view as a one-element array,
 * without a JS object per task: SQLite writes each run's task array. What `mcp status
 * --json` prints to a program and what snapshot.json holds, as fast on 10,000 tasks as on ten.
 */
export function allRunViewsJson(store: TaskStore, options: { runId?: string; now?: number } = {}): Buffer {
  return Buffer.concat(allRunViewsJsonParts(store, options));
}

/**
 * The task arrays of runs that will not change by themselves (ended, no duration counting
 * up), kept between two writes of the same JSON. The owner drops a run's entry when the
 * store says it changed.
 */
export type EndedRunsJson = Map<string, Buffer>;

/**
 * The same JSON in pieces, each run's task array as SQLite wrote it: a caller that writes
 * them one after the other never copies the megabytes of a big state root again. With
 * `ended`, the task arrays of ended runs are taken from it (and added to it), and only the
 * other runs are read: the snapshot of a big state root costs what its live runs hold.
 */
export function allRunViewsJsonParts(store: TaskStore, options: { runId?: string; now?: number; ended?: EndedRunsJson; supervisorOf?: SupervisorOf } = {}): Buffer[] {
  const now = options.now ?? Date.now();
  const runs = options.runId ? [store.resolveRun(options.runId)] : store.listRuns();
  const ended = options.ended;
  const counts = store.taskCountsByRun(options.runId);
  const toRead = ended ? runs.filter((run) => !ended.has(run.id)) : runs;
  // One query for all when most runs are read; one per run when only a few are.
  const read = !ended || toRead.length * 2 > runs.length ? store.taskViewsJsonByRun(now, options.runId) : new Map(toRead.flatMap((run) => [...store.taskViewsJsonByRun(now, run.id)]));
  const parts: Buffer[] = [Buffer.from('[')];
  runs.forEach((run, i) => {
    const supervisor = options.supervisorOf?.(run);
    const clock = runClock(run, supervisor, () => store.lastTaskUpdate(run.id), now);
    const head = JSON.stringify(runHead(run, lifecycleCounts(counts.get(run.id) ?? new Map()), clock, supervisor));
    let tasks = ended?.get(run.id);
    if (!tasks) {
      // A run whose clock stopped has its tasks' durations counted to that stop: read on its own.
      const fresh = clock === now ? read.get(run.id) : store.taskViewsJsonByRun(clock, run.id).get(run.id);
      tasks = fresh?.json ?? Buffer.from('[]');
      if (ended && isFinalRunState(run.status) && !fresh?.dependsOnNow) ended.set(run.id, tasks);
    }
    parts.push(Buffer.from(`${i > 0 ? ',' : ''}${head.slice(0, -1)},"tasks":`), tasks, Buffer.from('}'));
  });
  parts.push(Buffer.from(']'));
  return parts;
}
