import { existsSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isFinalRunState, type RunState } from '../domain/task-state.js';
import { clockMs, continueWalk, directoryBytes, entryBytes, startWalk, type Walk } from './disk-usage.js';
import type { StateRoot } from './state-root.js';

/**
 * How much disk a state root holds, for `mcp status`. Walking it is slow: each entry costs
 * a stat (about 30 µs on a busy 2-core machine: a hundred workspaces of a 1,000-file
 * project took 3.4 s), so what was measured is remembered in `store/disk-usage.json`:
 *
 * - per run (its `runs/<taskId>` folders and `run-records/<runId>`), stamped with how the
 *   run ended: a finished run's folders do not change by themselves, so it is measured
 *   once (`mcp clean` forgets the runs it changed). A running run's are measured only by
 *   `mcp status --disk`, and that figure counts as current for 10 s: they change all the
 *   time, and a status is most often asked for while a run works the machine hard. There,
 *   walking a 1,000-task run's folders 10 ms at a time (and keeping the walk's place in
 *   this file) took a sixth of a status's CPU, for a figure out of date as soon as taken;
 * - the folders that belong to no run of the store, by the modification times of `runs/`
 *   and `run-records/`: listed again only when a folder came or went.
 *
 * So a status on a state root of 10,000 task folders reads a small file and two stats, and
 * lists no folder. What is not known yet is walked within a time budget; a walk cut short is
 * remembered where it stopped and the next status goes on from there, so even a workspace
 * far larger than one budget gets measured in the end.
 */

/** Status answers ~90 ms after process start on 10,000 tasks; a walk may add about half that. */
export const DISK_WALK_BUDGET_MS = 50;
/** How long what `--disk` measured of a running run counts as its current figure. */
const LIVE_CURRENT_MS = 10_000;

export interface DiskUsage {
  /** Everything under the state root. */
  totalBytes: number;
  /** Of which task workspaces (`runs/<taskId>/workspace`, and an old run's result worktree). */
  workspaceBytes: number;
  /** False when the time budget ran out: the figures are then a lower bound. */
  complete: boolean;
  /** Runs (and leftovers of no run, counted as one) whose folders are not measured yet. */
  unmeasured: number;
}

/** A run as the store has it: whether its folders can still change. */
export interface RunEnd {
  id: string;
  status: RunState;
  endedAt: string | null;
}

/** The runs of the store, and the tasks of one (whose folders are in runs/). */
export interface UsageSource {
  runs: readonly RunEnd[];
  taskIdsOf(runId: string): string[];
}

interface Figures {
  bytes: number;
  workspaceBytes: number;
}

interface RunEntry extends Figures {
  /** How the run was when measured; another stamp means measure again. */
  stamp: string;
  measuredAt: number;
  /** A measure the budget cut short: the walks to go on with (the figures are not known yet). */
  walks?: { workspace: Walk; rest: Walk };
}

/** Folders of runs/ and run-records/ that belong to no run of the store, as of those folders' times. */
interface Leftovers extends Figures {
  runsMtimeMs: number;
  recordsMtimeMs: number;
}

interface Memory {
  runs: Record<string, RunEntry>;
  leftovers: Leftovers | null;
}

const LIVE = 'live';
const MEMORY_VERSION = 2;

function stampOf(run: RunEnd): string {
  return isFinalRunState(run.status) ? `${run.status}@${run.endedAt ?? ''}` : LIVE;
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function mtimeMs(dir: string): number {
  try {
    return statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

function isWalk(value: unknown): value is Walk {
  const w = value as Partial<Walk> | null;
  return Boolean(w && isStrings(w.pending) && isStrings(w.exclude) && isNumber(w.bytes) && isStrings(w.linked));
}

/** What was remembered; anything unreadable, or of another version, is no memory at all. */
function readMemory(file: string): Memory {
  const memory: Memory = { runs: {}, leftovers: null };
  let data: { version?: unknown; runs?: unknown; leftovers?: unknown } | null;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data;
  } catch {
    return memory;
  }
  if (data?.version !== MEMORY_VERSION || typeof data.runs !== 'object' || data.runs === null) return memory;
  for (const [id, value] of Object.entries(data.runs as Record<string, unknown>)) {
    const e = value as Partial<RunEntry> | null;
    if (!e || typeof e.stamp !== 'string' || !isNumber(e.bytes) || !isNumber(e.workspaceBytes) || !isNumber(e.measuredAt)) continue;
    if (e.walks !== undefined && !(isWalk(e.walks.workspace) && isWalk(e.walks.rest))) continue;
    memory.runs[id] = { stamp: e.stamp, bytes: e.bytes, workspaceBytes: e.workspaceBytes, measuredAt: e.measuredAt, ...(e.walks ? { walks: e.walks } : {}) };
  }
  const l = data.leftovers as Partial<Leftovers> | null | undefined;
  if (l && isNumber(l.bytes) && isNumber(l.workspaceBytes) && isNumber(l.runsMtimeMs) && isNumber(l.recordsMtimeMs)) {
    memory.leftovers = { bytes: l.bytes, workspaceBytes: l.workspaceBytes, runsMtimeMs: l.runsMtimeMs, recordsMtimeMs: l.recordsMtimeMs };
  }
  return memory;
}

/** Best effort: a state root this user may not write is measured again next time. */
function writeMemory(root: StateRoot, memory: Memory): void {
  if (!existsSync(root.storeDir)) return;
  const file = root.diskUsagePath;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify({ version: MEMORY_VERSION, ...memory })}\n`);
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      /* never written */
    }
  }
}

/**
 * The walks that measure a run: its workspaces, and the rest of its folders without them.
 * Only tasks with a folder: one that never started has none, and a run of 1,000 such
 * tasks must not cost 2,000 failed stats. Paths are joined by hand: the state root's are
 * absolute and clean, task ids are plain names, and path.join on thousands of them was a
 * visible part of a status.
 */
function runWalks(root: StateRoot, runId: string, taskIds: readonly string[], present: ReadonlySet<string>): { workspace: Walk; rest: Walk } {
  const files = root.runFiles(runId);
  const folders = taskIds.filter((id) => present.has(id)).map((id) => `${root.runsDir}${path.sep}${id}`);
  const workspaces = [...folders.map((dir) => `${dir}${path.sep}workspace`), files.resultWorktree];
  return { workspace: startWalk(workspaces), rest: startWalk([...folders, files.dir], workspaces) };
}

function measureRun(stamp: string, now: number, walks: { workspace: Walk; rest: Walk }, deadline: number | undefined): RunEntry {
  const done = continueWalk(walks.workspace, deadline) && continueWalk(walks.rest, deadline);
  if (!done) return { stamp, bytes: 0, workspaceBytes: 0, measuredAt: now, walks };
  return { stamp, bytes: walks.workspace.bytes + walks.rest.bytes, workspaceBytes: walks.workspace.bytes, measuredAt: now };
}

/** The folders of runs/ and run-records/ of no run in the store (a run forgotten by hand, a half-removed one). */
function measureLeftovers(root: StateRoot, runIds: ReadonlySet<string>, deadline: number | undefined): Figures | null {
  const figures: Figures = { bytes: 0, workspaceBytes: 0 };
  const folders: { dir: string; workspace: string }[] = [];
  // A task folder is `<runId>-<key>`, and run ids hold no `-`; a dot file is mcp's own (the marker of agents/app-server/task-rules.ts).
  for (const name of names(root.runsDir)) if (!name.startsWith('.') && !runIds.has(name.split('-', 1)[0] ?? '')) folders.push({ dir: path.join(root.runsDir, name), workspace: path.join(root.runsDir, name, 'workspace') });
  for (const name of names(root.runRecordsDir)) if (!runIds.has(name)) folders.push({ dir: path.join(root.runRecordsDir, name), workspace: root.runFiles(name).resultWorktree });
  for (const folder of folders) {
    const workspace = directoryBytes(folder.workspace, { deadline });
    const rest = workspace === null ? null : directoryBytes(folder.dir, { deadline, exclude: [folder.workspace] });
    if (workspace === null || rest === null) return null;
    figures.bytes += workspace + rest;
    figures.workspaceBytes += workspace;
  }
  return figures;
}

/**
 * The disk the state root holds. `fresh`: measure everything now, whatever it takes (`mcp
 * status --disk`); otherwise what is remembered is reused and the rest is measured within
 * `budgetMs`.
 */
export function stateRootUsage(root: StateRoot, source: UsageSource, options: { fresh?: boolean; budgetMs?: number; now?: number } = {}): DiskUsage {
  const usage: DiskUsage = { totalBytes: 0, workspaceBytes: 0, complete: true, unmeasured: 0 };
  if (!existsSync(root.dir)) return usage;
  const now = options.now ?? Date.now();
  const deadline = options.fresh ? undefined : clockMs() + (options.budgetMs ?? DISK_WALK_BUDGET_MS);
  const timeLeft = (): boolean => deadline === undefined || clockMs() < deadline;
  const memory = options.fresh ? { runs: {}, leftovers: null } : readMemory(root.diskUsagePath);
  const next: Memory = { runs: {}, leftovers: null };
  let changed = options.fresh === true;

  // The state root's own files (the store, plans, the supervisor's log): a handful, measured every time.
  usage.totalBytes += entryBytes(root.dir);
  for (const name of names(root.dir)) {
    const full = path.join(root.dir, name);
    usage.totalBytes += full === root.runsDir || full === root.runRecordsDir ? entryBytes(full) : (directoryBytes(full) ?? 0);
  }

  const add = (figures: Figures): void => {
    usage.totalBytes += figures.bytes;
    usage.workspaceBytes += figures.workspaceBytes;
  };
  let present: Set<string> | undefined;
  for (const run of source.runs) {
    const stamp = stampOf(run);
    const live = stamp === LIVE;
    const before = memory.runs[run.id]?.stamp === stamp ? memory.runs[run.id] : undefined;
    let entry = before && !before.walks && (!live || now - before.measuredAt < LIVE_CURRENT_MS) ? before : undefined;
    if (!entry && (!live || options.fresh) && timeLeft()) {
      // Listed once, and only when a run is to be measured: never on a status that measures nothing.
      present ??= new Set(names(root.runsDir));
      entry = measureRun(stamp, now, before?.walks ?? runWalks(root, run.id, source.taskIdsOf(run.id), present), deadline);
      changed = true;
    }
    // A running run's last figure, however old, is better than none; it is not a measure of now.
    const current = entry !== undefined;
    entry ??= before;
    if (entry) next.runs[run.id] = entry;
    if (entry && !entry.walks) add(entry);
    if (!current || entry?.walks) usage.unmeasured += 1;
  }

  const times = { runsMtimeMs: mtimeMs(root.runsDir), recordsMtimeMs: mtimeMs(root.runRecordsDir) };
  const known = memory.leftovers;
  if (known && known.runsMtimeMs === times.runsMtimeMs && known.recordsMtimeMs === times.recordsMtimeMs) {
    next.leftovers = known;
  } else if (timeLeft()) {
    const measured = measureLeftovers(root, new Set(source.runs.map((run) => run.id)), deadline);
    if (measured) next.leftovers = { ...measured, ...times };
    changed = true;
  }
  if (next.leftovers) add(next.leftovers);
  else usage.unmeasured += 1;

  usage.complete = usage.unmeasured === 0;
  // Runs that are gone from the store are forgotten too.
  if (changed || Object.keys(memory.runs).some((id) => !(id in next.runs))) writeMemory(root, next);
  return usage;
}

/** `mcp clean` changed these runs' folders: measure them again next time. */
export function forgetUsage(root: StateRoot, runIds: readonly string[]): void {
  const memory = readMemory(root.diskUsagePath);
  let changed = false;
  for (const id of runIds) {
    if (id in memory.runs) {
      delete memory.runs[id];
      changed = true;
    }
  }
  if (changed) writeMemory(root, memory);
}
