import os from 'node:os';
import type { TaskChange } from '../orchestrator/transitions.js';
import { newsLine, runNewsText } from './render/run-news.js';
import { taskChangeLine } from './render/task-change.js';
import { planText } from './plan-text.js';
import type { Supervisor } from '../orchestrator/supervisor.js';
import { supervisorGoneError, supervisorOfRuns } from '../orchestrator/run-supervisor.js';
import { errorMessage } from '../domain/errors.js';
import { isFinalRunState, type RunState } from '../domain/task-state.js';
import type { StateRoot } from '../store/state-root.js';
import { TaskStore } from '../store/task-store.js';
import { colorEnabled } from './render/color.js';
import { printable } from './render/format.js';
import { LiveView, type LiveOut, type LiveRun, type LiveSource, type LiveTask } from './render/live-view.js';
import { TaskActivityReader } from './task-activity.js';

export interface ForegroundOptions {
  /** The store the runs are in, to describe their plans. */
  store?: TaskStore;
  /**
   * false (`--no-tty`): one plain line per task transition. Otherwise a live table when the
   * stream written to is a terminal and NO_TTY is not set; never cursor sequences into a pipe
   * or a file, so `true` (commander's default for `--no-tty`) cannot force one there.
   */
  tty?: boolean;
}

/** How the runs supervised in the foreground ended. */
export interface ForegroundResult {
  states: RunState[];
  /** The signal that stopped them: Ctrl-C (SIGINT), or SIGTERM (a service manager, `kill`). */
  stoppedBy: NodeJS.Signals | null;
}

/**
 * 0 when every run succeeded, else the shell's code for the signal that stopped them (128 +
 * its number: 130 for Ctrl-C, 143 for SIGTERM), so a script tells an interrupt from a
 * failure as with any command; else 1. A run that succeeded all the same lost nothing.
 */
export function foregroundExitCode(result: ForegroundResult): number {
  if (result.states.every((state) => state === 'succeeded')) return 0;
  return result.stoppedBy ? 128 + os.constants.signals[result.stoppedBy] : 1;
}

/** A live table on a terminal; plain lines into a pipe, a file, or with --no-tty. */
export function wantsLiveView(out: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean((out as { isTTY?: boolean }).isTTY) && !env.NO_TTY;
}

/**
 * Runs runs in this process (the supervisor), showing progress, until they end.
 * Ctrl-C stops the tasks (through the socket, like `mcp kill --all`) rather than orphaning them.
 */
export async function superviseInForeground(
  supervisor: Supervisor,
  runIds: string[],
  root: StateRoot,
  out: NodeJS.WritableStream,
  options: ForegroundOptions = {},
): Promise<ForegroundResult> {
  keepRunningWithoutReader(out);
  const live = options.tty !== false && wantsLiveView(out) ? startLiveView(out, runIds, root) : null;
  // Once the view is gone (it failed), progress goes on as plain lines.
  const say = (text: string): void => {
    if (live?.view.active) live.view.print(text);
    else out.write(text);
  };
  supervisor.onTaskChange((change) => {
    if (live?.view.active) live.view.changed();
    // `ready` (waiting for a slot) is for the table; a line a task is enough at its start.
    else if (change.to !== 'ready') out.write(progressLine(change));
  });
  supervisor.onNews(({ runId, event }) => {
    const text = runNewsText(event, (version) => planText(options.store, runId, version));
    if (text === null) return;
    say(newsLine(new Date().toISOString(), text));
  });
  let stoppedBy: NodeJS.Signals | null = null;
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    stoppedBy ??= signal;
    say('mcp: interrupted; stopping tasks\n');
    supervisor.killAll();
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const states = await Promise.all(runIds.map((id) => supervisor.runRun(id)));
    await supervisor.idle();
    return { states, stoppedBy };
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    live?.close();
    await supervisor.shutdown();
  }
}

/**
 * How long a command keeps offering runs to a live supervisor that does not answer: one that
 * has just taken the lock opens its socket a moment later.
 */
export const HANDOFF_TIMEOUT_MS = 5_000;
/** How often a client whose run went to another supervisor looks at the store. */
export const HANDOFF_POLL_MS = 250;

/**
 * Waits for a run handed to another supervisor (`mcp run`, `mcp resume`) to end. Stops, as
 * `mcp status --watch --until-done` does, once the run's supervisor is gone: it would not end.
 */
export async function waitForRun(store: TaskStore, runId: string, lockPath: string): Promise<RunState> {
  for (;;) {
    const run = store.getRun(runId);
    if (run && isFinalRunState(run.status)) return run.status;
    if (run && supervisorOfRuns(lockPath)(run) === 'gone') throw supervisorGoneError(runId);
    await new Promise((resolve) => setTimeout(resolve, HANDOFF_POLL_MS));
  }
}

const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * `mcp run --plan p.json | head` closes the pipe while tasks run: the write error (EPIPE)
 * would kill this process, the supervisor, and orphan its tasks. The output is lost, the run
 * goes on. The listener stays: run.ts still writes the summary after the tasks end. run.ts
 * puts it in place before its first line too: a reader gone by then would otherwise end mcp
 * between creating the run and handing it to a supervisor.
 */
export function keepRunningWithoutReader(out: NodeJS.WritableStream): void {
  if (guarded.has(out)) return;
  guarded.add(out);
  out.on('error', () => undefined);
}

function progressLine(change: TaskChange): string {
  return taskChangeLine(new Date().toISOString(), change.task.key, change.to, change.task.reason, change.task.attempts);
}

/**
 * The live view reads the store itself (its own read-only connection) rather than
 * replaying transitions: tasks that have not moved yet, replans and run states all show.
 */
function startLiveView(out: NodeJS.WritableStream, runIds: string[], root: StateRoot): { view: LiveView; close(): void } | null {
  let store: TaskStore;
  try {
    store = TaskStore.open(root.dbPath, { readonly: true });
  } catch (error) {
    out.write(`mcp: no live view (${printable(errorMessage(error))}); progress lines follow\n`);
    return null;
  }
  const onError = (error: unknown): void => {
    out.write(`mcp: live view stopped (${printable(errorMessage(error))}); progress lines follow\n`);
  };
  const view = new LiveView(out as unknown as LiveOut, storeSource(store, root, runIds), colorEnabled(out as { isTTY?: boolean }), Date.now, onError);
  view.start();
  return {
    view,
    close: () => {
      view.stop();
      store.close();
    },
  };
}

export function storeSource(store: TaskStore, root: StateRoot, runIds: readonly string[]): LiveSource {
  const readers = new Map<string, TaskActivityReader>();
  return {
    runs: (): LiveRun[] =>
      runIds.flatMap((id) => {
        const run = store.getRun(id);
        if (!run) return [];
        const tasks: LiveTask[] = store.taskSummaries(id).filter((t) => !t.superseded);
        return [{ id: run.id, status: run.status, startedAt: run.startedAt, endedAt: run.endedAt, tasks }];
      }),
    activity: (task, now, fresh) => {
      if (!task.startedAt) return undefined;
      let reader = readers.get(task.id);
      if (!reader) {
        reader = new TaskActivityReader(root.taskFiles(task.id).events, task.kind);
        readers.set(task.id, reader);
      }
      return reader.poll(now, fresh);
    },
  };
}
