import { existsSync } from 'node:fs';
import { UsageError } from '../../domain/errors.js';
import { isFinalRunState, isFinalTaskState, TASK_STATES, type RunState, type TaskState } from '../../domain/task-state.js';
import { supervisorGoneError, supervisorGoneLine, supervisorOfRuns } from '../../orchestrator/run-supervisor.js';
import { resolveContext, type ContextOptions } from '../context.js';
import type { StateRoot } from '../../store/state-root.js';
import type { TaskStore } from '../../store/task-store.js';
import { allRunViews, allRunViewsJsonParts, runView, type RunView, type TaskView } from '../../store/views.js';
import { stateRootUsage, type DiskUsage } from '../../store/root-usage.js';
import { snapshotRunCount } from '../../store/snapshot.js';
import { plural } from '../../domain/plural.js';
import { colorEnabled, statePainter } from '../render/color.js';
import { fitLine, formatBytes, formatDuration, formatTime, printable } from '../render/format.js';
import { renderRun } from '../render/run-summary.js';
import { terminalSize } from '../render/terminal-size.js';
import { openExistingStore, requireStore, resolveRef } from '../open-store.js';
import { parseSeconds } from '../parse-options.js';

export interface StatusOptions extends ContextOptions {
  json?: boolean;
  watch?: boolean;
  interval?: string;
  untilDone?: boolean;
  state?: string;
  waiting?: boolean;
  sort?: string;
  disk?: boolean;
}

export const SORT_KEYS = ['id', 'state', 'start', 'duration'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Which tasks a status shows, and in what order (null: all of them, in plan order). */
export interface TaskQuery {
  states: ReadonlySet<TaskState> | null;
  sort: SortKey | null;
  /** --waiting: only what a person can answer now (see strandedRuns). */
  answerable?: boolean;
}

const DEFAULT_WATCH_INTERVAL_SECONDS = 2;
/** Reading the store faster than this only burns CPU: nobody reads a table ten times a second. */
const MIN_WATCH_INTERVAL_SECONDS = 0.1;

/** `--state running,failed` -> those states; anything not a task state is refused, naming the valid ones. */
export function parseStates(raw: string | undefined): ReadonlySet<TaskState> | null {
  if (raw === undefined) return null;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const known: readonly string[] = TASK_STATES;
  const unknown = names.filter((name) => !known.includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`--state: ${names.length === 0 ? 'no state given' : `unknown state ${JSON.stringify(unknown[0])}`}`, `give one or more of ${TASK_STATES.join(', ')}, comma-separated`);
  }
  return new Set(names as TaskState[]);
}

export function parseSort(raw: string | undefined): SortKey | null {
  if (raw === undefined) return null;
  const keys: readonly string[] = SORT_KEYS;
  if (!keys.includes(raw)) throw new UsageError(`--sort: unknown key ${JSON.stringify(raw)}`, `give one of ${SORT_KEYS.join(', ')}`);
  return raw as SortKey;
}

/** Nulls (not started) go last whatever the direction. */
function compareNullable<T>(a: T | null, b: T | null, compare: (x: T, y: T) => number): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  return compare(a, b);
}

const COMPARATORS: Record<SortKey, (a: TaskView, b: TaskView) => number> = {
  id: (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  // Lifecycle order: pending first, final states last.
  state: (a, b) => TASK_STATES.indexOf(a.status as TaskState) - TASK_STATES.indexOf(b.status as TaskState),
  start: (a, b) => compareNullable(a.startedAt, b.startedAt, (x, y) => (x < y ? -1 : x > y ? 1 : 0)),
  // Longest first: the slow ones are what one sorts by duration to find.
  duration: (a, b) => compareNullable(a.durationMs, b.durationMs, (x, y) => y - x),
};

/** Filters then sorts; the sort is stable, so ties keep plan order. */
export function selectTasks(tasks: readonly TaskView[], query: TaskQuery): TaskView[] {
  const kept = query.states ? tasks.filter((t) => query.states?.has(t.status as TaskState)) : [...tasks];
  return query.sort ? kept.sort(COMPARATORS[query.sort]) : kept;
}

interface WatchPlan {
  intervalMs: number;
  untilDone: boolean;
}

function watchPlan(options: StatusOptions): WatchPlan | null {
  if (!options.watch) {
    if (options.interval !== undefined || options.untilDone) throw new UsageError('--interval and --until-done go with --watch', 'mcp status --watch --until-done');
    return null;
  }
  const seconds = options.interval !== undefined ? parseSeconds(options.interval, '--interval') : DEFAULT_WATCH_INTERVAL_SECONDS;
  if (seconds < MIN_WATCH_INTERVAL_SECONDS) throw new UsageError(`--interval must be at least ${MIN_WATCH_INTERVAL_SECONDS} seconds, not ${JSON.stringify(options.interval)}`);
  return { intervalMs: seconds * 1000, untilDone: Boolean(options.untilDone) };
}

/** What one look at the store shows. */
interface StatusView {
  runs: RunView[];
  /** Set when a single task was asked for (and the filter keeps it). */
  task: TaskView | undefined;
  /** The runs shown have ended (for a single task: the task has). */
  done: boolean;
  /** A run shown that has not ended and never will by itself: its supervisor died. */
  orphan: RunView | undefined;
  /** Runs shown without the tasks that wait in them for an answer nobody can pass on (strandedRuns). */
  stranded: RunView[];
}

/** The state root's disk use (root-usage.ts): remembered per run, the rest measured within a budget. */
function diskUsage(root: StateRoot, store: TaskStore | null, fresh: boolean): DiskUsage {
  const source = store ? { runs: store.runStates(), taskIdsOf: (runId: string) => store.taskIds(runId) } : { runs: [], taskIdsOf: () => [] };
  return stateRootUsage(root, source, { fresh });
}

/** One line under the runs: what the state root holds, and what mcp clean can free. */
export function diskLine(disk: DiskUsage): string {
  const workspaces = `${formatBytes(disk.workspaceBytes)} of it task workspaces`;
  if (!disk.complete) {
    return `disk: at least ${formatBytes(disk.totalBytes)} in the state root, ${workspaces}; ${disk.unmeasured} run${disk.unmeasured === 1 ? '' : 's'} not measured yet (mcp status --disk measures them all)`;
  }
  return `disk: ${formatBytes(disk.totalBytes)} in the state root, ${workspaces}${disk.workspaceBytes > 0 ? ' (mcp clean removes those of finished runs)' : ''}`;
}

function look(store: TaskStore | null, root: StateRoot, target: { runId: string; taskId?: string } | null, query: TaskQuery): StatusView {
  if (!store) return { runs: [], task: undefined, done: true, orphan: undefined, stranded: [] };
  const supervisorOf = supervisorOfRuns(root.lockPath);
  let runs: RunView[];
  if (target) {
    const run = store.resolveRun(target.runId);
    const view = runView(run, store.taskSummaries(run.id), Date.now(), supervisorOf);
    runs = [target.taskId ? { ...view, tasks: view.tasks.filter((t) => t.id === target.taskId) } : view];
  } else {
    runs = allRunViews(store, Date.now(), supervisorOf);
  }
  const whole = runs;
  runs = runs.map((run) => ({ ...run, tasks: selectTasks(run.tasks, query) }));
  const stranded = query.answerable ? strandedRuns(runs) : [];
  if (stranded.length > 0) runs = runs.map((run) => (stranded.includes(run) ? { ...run, tasks: [] } : run));
  const task = target?.taskId ? runs[0]?.tasks[0] : undefined;
  const asked = target?.taskId ? whole[0]?.tasks[0] : undefined;
  const done = asked ? isFinalTaskState(asked.status as TaskState) : whole.every((run) => isFinalRunState(run.status as RunState));
  return { runs, task, done, orphan: done ? undefined : whole.find((run) => run.supervisor === 'gone'), stranded };
}

/**
 * The runs among those shown whose waiting tasks nobody can answer: an answer reaches a task
 * through its run's supervisor, and theirs is gone (`mcp approve` would fail). --waiting
 * names each in one line with its `mcp resume` instead of offering its tasks; in --json such
 * a run lists no tasks, so a script answering what it finds tries none that would fail, and
 * keeps its counts and `"supervisor": "gone"`, which tell it what waits in vain.
 */
function strandedRuns(runs: readonly RunView[]): RunView[] {
  return runs.filter((run) => run.supervisor === 'gone' && run.tasks.length > 0);
}

/** A stranded run's line: what waits in it, and how to finish it. */
function strandedLine(run: RunView, color: boolean): string {
  const paint = statePainter(color);
  const waiting = new Map<string, number>();
  for (const task of run.tasks) waiting.set(task.status, (waiting.get(task.status) ?? 0) + 1);
  const counts = [...waiting].map(([state, n]) => `${n} ${paint(state)}`).join(', ');
  return `run ${run.id}  (${counts})  ${supervisorGoneLine(run.id)}`;
}

/** Without a store, a snapshot holding runs means a store that is gone, not a state root never used. */
function noRunsLine(root: StateRoot, store: TaskStore | null): string {
  const kept = store ? null : snapshotRunCount(root.snapshotPath);
  if (!kept) return `no runs in ${root.dir}`;
  const what = Number.isFinite(kept) ? `the last known state of ${plural(kept, 'run')}` : 'an earlier snapshot';
  return `no runs in ${root.dir}: store/tasks.db is missing; store/snapshot.json holds ${what} (the next mcp run keeps it as store/snapshot-<time>.json)`;
}

/**
 * Which runs shown have their result in the project's branch already. Loaded when needed: it
 * runs git, which `mcp status --json` and a status with no result branch never do.
 */
async function resultsInBranch(view: StatusView): Promise<ReadonlySet<string>> {
  if (view.task || !view.runs.some((run) => run.resultBranch)) return new Set();
  const { mergedResults } = await import('../../orchestrator/apply-result.js');
  return mergedResults(view.runs);
}

/** `disk` is called only by the views that show it: measuring costs a walk of the state root. */
function renderText(view: StatusView, root: StateRoot, store: TaskStore | null, query: TaskQuery, color: boolean, disk: () => DiskUsage, merged: ReadonlySet<string> = new Set()): string {
  if (view.runs.length === 0) return noRunsLine(root, store);
  const task = view.task;
  const record = task ? store?.getTask(task.id) : undefined;
  if (task && record) {
    const paint = statePainter(color);
    const rows: [string, string][] = [
      ['task', task.id],
      ['run', record.runId],
      ['title', printable(task.title)],
      ['kind', task.kind === 'command' ? `command: ${printable((record.command ?? []).join(' '))}` : `codex ${task.mode}`],
      ['state', `${paint(task.status)}${view.orphan ? `  (its supervisor is gone; finish the run with: mcp resume ${record.runId})` : ''}`],
      ['attempts', String(task.attempts)],
      ['depends on', task.dependsOn.join(', ') || '-'],
      ['started', task.startedAt ?? '-'],
      ['ended', task.endedAt ?? '-'],
      ['duration', formatDuration(task.durationMs)],
      ['exit', task.exitCode !== null ? String(task.exitCode) : (task.signal ?? '-')],
      ['reason', task.reason ? printable(task.reason) : '-'],
      ['session', task.sessionId ?? '-'],
      ['pid', task.pid !== null ? String(task.pid) : '-'],
      ['workspace', task.workspace ? `${task.workspace}${existsSync(task.workspace) ? '' : ' (removed)'}` : '-'],
      ['branch', task.branch ?? '-'],
      ['logs', root.taskDir(task.id)],
    ];
    return rows.map(([k, v]) => `${k.padEnd(11)}${v}`).join('\n');
  }
  const emptyNote = query.states ? `(no task is ${[...query.states].join(' or ')})` : undefined;
  const stranded = view.stranded.map((run) => strandedLine(run, color));
  const shown = view.runs.filter((run) => !view.stranded.some((s) => s.id === run.id));
  if (query.states && shown.every((run) => run.tasks.length === 0) && query.states.has('waiting_approval') && query.states.has('waiting_input')) return ['nothing waits for you', ...stranded].join('\n');
  if (query.answerable) {
    // What waits for a person, and nothing else: a run where nothing waits (finished ones
    // above all) would only be a "no task is waiting" line to read past, and the disk is
    // not what one asks --waiting about.
    const waiting = shown.filter((run) => run.tasks.length > 0).map((run) => renderRun(run, { color, resultMerged: merged.has(run.id) }));
    return [waiting.join('\n\n'), ...(stranded.length > 0 ? [stranded.join('\n')] : [])].join('\n\n');
  }
  const runs = shown.map((run) => renderRun(run, { color, emptyNote, resultMerged: merged.has(run.id) }));
  return [runs.join('\n\n'), ...(stranded.length > 0 ? [stranded.join('\n')] : []), diskLine(disk())].join('\n\n');
}

export async function statusCommand(ref: string | undefined, options: StatusOptions): Promise<number> {
  if (options.waiting && options.state) throw new UsageError('--waiting and --state both choose states', 'give one of them');
  // What waits for a person: each row's reason says what is asked and how to answer.
  const states = options.waiting ? new Set<TaskState>(['waiting_approval', 'waiting_input']) : parseStates(options.state);
  const query: TaskQuery = { states, sort: parseSort(options.sort), answerable: Boolean(options.waiting) };
  const watch = watchPlan(options);
  const ctx = resolveContext(options);
  let store = ref ? requireStore(ctx.root, ref, { reading: true }) : openExistingStore(ctx.root, { reading: true });
  try {
    const target = store && ref ? resolveRef(store, ref) : null;
    if (!watch) {
      const disk = (): DiskUsage => diskUsage(ctx.root, store, Boolean(options.disk));
      // A program reading every task (no filter, sort or single task) gets the JSON SQLite
      // writes: a 10,000-task state root is megabytes of it, and building it object by
      // object took longer than starting the process. A person at a terminal gets it indented.
      if (options.json && !process.stdout.isTTY && !target?.taskId && !query.states && !query.sort) {
        const runs = store ? allRunViewsJsonParts(store, { runId: target?.runId, supervisorOf: supervisorOfRuns(ctx.root.lockPath) }) : [Buffer.from('[]')];
        for (const part of [Buffer.from(`{"stateRoot":${JSON.stringify(ctx.root.dir)},"disk":${JSON.stringify(disk())},"runs":`), ...runs, Buffer.from('}\n')]) process.stdout.write(part);
        return 0;
      }
      const view = look(store, ctx.root, target, query);
      if (options.json) process.stdout.write(`${JSON.stringify({ stateRoot: ctx.root.dir, disk: disk(), runs: view.runs }, null, process.stdout.isTTY ? 2 : undefined)}\n`);
      else process.stdout.write(`${renderText(view, ctx.root, store, query, colorEnabled(process.stdout), disk, await resultsInBranch(view))}\n`);
      return 0;
    }
    // --disk measures all once; the frames after it reuse what it measured.
    let fresh = Boolean(options.disk);
    return await watchStatus(watch, () => {
      // A state root made after the watch began (`mcp status --watch` then `mcp run`) is picked up.
      store ??= openExistingStore(ctx.root, { reading: true });
      const current = store;
      const disk = (): DiskUsage => {
        const usage = diskUsage(ctx.root, current, fresh);
        fresh = false;
        return usage;
      };
      return { view: look(store, ctx.root, target, query), store, disk };
    }, (view, current, disk) => (options.json ? JSON.stringify({ stateRoot: ctx.root.dir, disk: disk(), runs: view.runs }) : renderText(view, ctx.root, current, query, colorEnabled(process.stdout), disk)), Boolean(options.json));
  } finally {
    store?.close();
  }
}

/**
 * Shows the status every interval until Ctrl-C (exit 0: stopping a watch is no failure) or,
 * with --until-done, until what is shown has ended, or fails once a run shown can no longer
 * end because its supervisor died (waiting would never end). On a TTY each frame replaces the last
 * (home, then every line cleared to its end); into a pipe, frames follow each other, a blank
 * line apart; with --json, one compact document a line.
 */
async function watchStatus(
  plan: WatchPlan,
  read: () => { view: StatusView; store: TaskStore | null; disk: () => DiskUsage },
  render: (view: StatusView, store: TaskStore | null, disk: () => DiskUsage) => string,
  json: boolean,
): Promise<number> {
  const out = process.stdout;
  const screen = Boolean(out.isTTY) && !json;
  let stopped = false;
  let wake: (() => void) | null = null;
  const stop = (): void => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  // `mcp status --watch | head` closing the pipe ends the process quietly: main.ts's
  // endWhenReaderLeaves, as for every command that only prints.
  try {
    for (let frame = 0; !stopped; frame += 1) {
      const { view, store, disk } = read();
      const text = render(view, store, disk);
      if (json) out.write(`${text}\n`);
      else if (screen) out.write(screenFrame(text, plan.intervalMs, frame === 0, out));
      else out.write(`${frame === 0 ? '' : '\n'}${text}\n`);
      if (plan.untilDone && view.done) break;
      if (plan.untilDone && view.orphan) throw supervisorGoneError(view.orphan.id);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, plan.intervalMs);
      });
      wake = null;
    }
    return 0;
  } finally {
    process.off('SIGINT', stop);
  }
}

/** A frame that replaces the screen: a header like watch(1)'s, lines cut to the window. */
export function screenFrame(text: string, intervalMs: number, first: boolean, terminal: { columns?: number; rows?: number } = {}): string {
  const { columns, rows } = terminalSize(terminal);
  const header = `every ${formatDuration(intervalMs)}: mcp status  ${formatTime(new Date().toISOString())}  (Ctrl-C to stop)`;
  const height = Math.max(rows, 4);
  let lines = [header, '', ...text.split('\n')];
  if (lines.length > height - 1) {
    const hidden = lines.length - (height - 2);
    lines = [...lines.slice(0, height - 2), `… ${hidden} more line${hidden === 1 ? '' : 's'} (a taller window, or --state, shows them)`];
  }
  const body = lines.map((line) => `${fitLine(line, columns - 1)}\x1b[K`).join('\n');
  return `${first ? '\x1b[H\x1b[2J' : '\x1b[H'}${body}\n\x1b[J`;
}
