import { existsSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isFinalRunState, type RunState } from '../domain/task-state.js';
import { continueWalk, directoryBytes, entryBytes, startWalk, type Walk } from './disk-usage.js';
import type { StateRoot } from './state-root.js';

/**
 * How much disk a state root holds, for `mcp status`. Walking it is slow: each entry costs
 * a stat (about 30 µs on a busy 2-core machine), so a hundred workspaces of a 1,000-file
 * project took 3.4 s. The walk is therefore remembered per folder (`runs/<taskId>`,
 * `run-records/<runId>`) in `store/disk-usage.json`: a finished run's folders do not change
 * by themselves, so they are measured once, and `mcp clean` forgets what it changed. What
 * is not remembered yet is measured within a time budget; a walk the budget cut short is
 * remembered where it stopped, reported as not measured yet, and the next status goes on
 * from there, so even a workspace far larger than one budget gets measured in the end.
 */

/** Status answers ~90 ms after process start on 10,000 tasks; a walk may add about half that. */
export const DISK_WALK_BUDGET_MS = 50;
/**
 * A running run's folders change all the time; measured at most this often, so `status
 * --watch` (a frame every 2 s) does not walk them at every frame.
 */
const LIVE_REMEASURE_MS = 10_000;

export interface DiskUsage {
  /** Everything under the state root. */
  totalBytes: number;
  /** Of which task workspaces (`runs/<taskId>/workspace`, and an old run's result worktree). */
  workspaceBytes: number;
  /** False when the time budget ran out: the figures are then a lower bound. */
  complete: boolean;
  /** Folders the budget did not reach. */
  unmeasured: number;
}

/** A run as the store has it: whether its folders can still change. */
export interface RunEnd {
  id: string;
  status: RunState;
  endedAt: string | null;
}

interface Entry {
  /** What the folder's run was when measured; a different stamp means measure again. */
  stamp: string;
  bytes: number;
  workspaceBytes: number;
  measuredAt: number;
  /** A measure the budget cut short: the walks to go on with (bytes are then not known yet). */
  walks?: { workspace: Walk; rest: Walk };
}

type Entries = Record<string, Entry>;

const LIVE = 'live';
const CACHE_VERSION = 1;

/**
 * The run a folder of runs/ belongs to: task ids are `<runId>-<key>` and run ids hold no
 * `-`. (Not checked against domain/ids.ts: its module loads node:crypto, which alone costs
 * `mcp status` 10 ms; a name that is no run of the store is simply a folder of no run.)
 */
function runOfTaskFolder(name: string): string {
  const dash = name.indexOf('-');
  return dash === -1 ? name : name.slice(0, dash);
}

function stampOf(run: RunEnd | undefined): string {
  if (!run) return 'no-run'; // its run is not in the store: nothing writes there any more
  return isFinalRunState(run.status) ? `${run.status}@${run.endedAt ?? ''}` : LIVE;
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isWalk(value: unknown): value is Walk {
  const w = value as Partial<Walk> | null;
  return Boolean(w && Array.isArray(w.pending) && w.pending.every((p) => typeof p === 'string') && typeof w.bytes === 'number' && Array.isArray(w.linked) && w.linked.every((l) => typeof l === 'string'));
}

/** The remembered folders; anything unreadable or of another version is no memory at all. */
function readEntries(file: string): Entries {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
  const folders = (data as { version?: unknown; folders?: unknown } | null)?.folders;
  if ((data as { version?: unknown }).version !== CACHE_VERSION || typeof folders !== 'object' || folders === null) return {};
  const out: Entries = {};
  for (const [key, value] of Object.entries(folders as Record<string, unknown>)) {
    const e = value as Partial<Entry> | null;
    if (!e || typeof e.stamp !== 'string' || typeof e.bytes !== 'number' || typeof e.workspaceBytes !== 'number' || typeof e.measuredAt !== 'number') continue;
    const walks = e.walks === undefined ? undefined : isWalk(e.walks.workspace) && isWalk(e.walks.rest) ? e.walks : null;
    if (walks === null) continue;
    out[key] = { stamp: e.stamp, bytes: e.bytes, workspaceBytes: e.workspaceBytes, measuredAt: e.measuredAt, ...(walks ? { walks } : {}) };
  }
  return out;
}

/** Best effort: a state root this user may not write is measured again next time. */
function writeEntries(root: StateRoot, entries: Entries): void {
  if (!existsSync(root.storeDir)) return;
  const file = root.diskUsagePath;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify({ version: CACHE_VERSION, folders: entries })}\n`);
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      /* never written */
    }
  }
}

interface Folder {
  key: string;
  dir: string;
  runId: string;
  /** The part of it that is a working copy. */
  workspace: string;
}

/** Measures a folder, or goes on with a measure cut short before; an entry with `walks` when cut short again. */
function measureFolder(folder: Folder, stamp: string, now: number, started: Entry['walks'] | undefined, deadline: number | undefined): Entry {
  const walks = started ?? { workspace: startWalk(folder.workspace), rest: startWalk(folder.dir) };
  const done = continueWalk(walks.workspace, { deadline }) && continueWalk(walks.rest, { deadline, exclude: new Set([folder.workspace]) });
  if (!done) return { stamp, bytes: 0, workspaceBytes: 0, measuredAt: now, walks };
  return { stamp, bytes: walks.rest.bytes + walks.workspace.bytes, workspaceBytes: walks.workspace.bytes, measuredAt: now };
}

/**
 * The disk the state root holds. `fresh`: measure everything now, whatever it takes (`mcp
 * status --disk`); otherwise remembered folders are reused and the rest is measured within
 * `budgetMs`.
 */
export function stateRootUsage(root: StateRoot, runs: readonly RunEnd[], options: { fresh?: boolean; budgetMs?: number; now?: number } = {}): DiskUsage {
  const usage: DiskUsage = { totalBytes: 0, workspaceBytes: 0, complete: true, unmeasured: 0 };
  if (!existsSync(root.dir)) return usage;
  const now = options.now ?? Date.now();
  const deadline = options.fresh ? undefined : performance.now() + (options.budgetMs ?? DISK_WALK_BUDGET_MS);
  const byId = new Map(runs.map((run) => [run.id, run]));
  const remembered = options.fresh ? {} : readEntries(root.diskUsagePath);
  const kept: Entries = {};
  let changed = options.fresh === true;

  const folders: Folder[] = [];
  usage.totalBytes += entryBytes(root.dir);
  for (const name of names(root.dir)) {
    const full = path.join(root.dir, name);
    if (full !== root.runsDir && full !== root.runRecordsDir) {
      // The store, plans, the supervisor's log: a handful of files, measured every time.
      usage.totalBytes += directoryBytes(full) ?? 0;
      continue;
    }
    usage.totalBytes += entryBytes(full);
    const tasks = full === root.runsDir;
    for (const child of names(full)) {
      const dir = path.join(full, child);
      folders.push({ key: `${name}/${child}`, dir, runId: tasks ? runOfTaskFolder(child) : child, workspace: path.join(dir, tasks ? 'workspace' : 'result') });
    }
  }

  for (const folder of folders) {
    const stamp = stampOf(byId.get(folder.runId));
    const before = remembered[folder.key]?.stamp === stamp ? remembered[folder.key] : undefined;
    let entry = before && !before.walks && (stamp !== LIVE || now - before.measuredAt < LIVE_REMEASURE_MS) ? before : undefined;
    if (!entry && (deadline === undefined || performance.now() < deadline)) {
      entry = measureFolder(folder, stamp, now, before?.walks, deadline);
      changed = true;
    }
    // Out of time: a running run's last figure, however old, is better than none.
    entry ??= before;
    if (entry) kept[folder.key] = entry;
    if (!entry || entry.walks) {
      usage.unmeasured += 1;
      continue;
    }
    usage.totalBytes += entry.bytes;
    usage.workspaceBytes += entry.workspaceBytes;
  }
  usage.complete = usage.unmeasured === 0;
  // Folders that are gone are forgotten too.
  if (changed || Object.keys(remembered).some((key) => !(key in kept))) writeEntries(root, kept);
  return usage;
}

/** `mcp clean` changed these folders (`runs/<taskId>`, `run-records/<runId>`): measure them again next time. */
export function forgetUsage(root: StateRoot, dirs: readonly string[]): void {
  const entries = readEntries(root.diskUsagePath);
  let changed = false;
  for (const dir of dirs) {
    const key = path.relative(root.dir, dir).split(path.sep).join('/');
    if (key in entries) {
      delete entries[key];
      changed = true;
    }
  }
  if (changed) writeEntries(root, entries);
}
