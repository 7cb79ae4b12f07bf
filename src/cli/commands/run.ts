import os from 'node:os';
import { findCodexBinary } from '../../agents/codex-binary.js';
import { allowListOf } from '../../config/config.js';
import { UsageError } from '../../domain/errors.js';
import { isFinalRunState, type RunState } from '../../domain/task-state.js';
import { sendControl } from '../../orchestrator/control-client.js';
import { createRun } from '../../orchestrator/create-run.js';
import { loadPlanFile } from '../../orchestrator/plan.js';
import type { TaskChange } from '../../orchestrator/run-executor.js';
import { Supervisor } from '../../orchestrator/supervisor.js';
import { resolveContext, type ContextOptions } from '../../orchestrator/workspace-context.js';
import { TaskStore } from '../../store/task-store.js';
import { runView } from '../../store/views.js';
import { formatTime, printable } from '../render/format.js';
import { renderRun } from '../render/run-summary.js';
import { parseCount, parseSeconds } from '../parse-options.js';

export interface RunOptions extends ContextOptions {
  plan?: string;
  parallel?: string;
  json?: boolean;
  taskTimeout?: string;
}

/** How often a client whose run went to another supervisor looks at the store. */
const HANDOFF_POLL_MS = 250;

export async function runCommand(objective: string | undefined, options: RunOptions): Promise<number> {
  if (!options.plan) {
    throw new UsageError(objective ? 'planning from an objective needs --plan FILE in this version' : 'nothing to run', 'give --plan plan.json (format in DESIGN.md "Plan contract")');
  }
  const parallel = options.parallel !== undefined ? parseCount(options.parallel, '--parallel', 64) : undefined;
  const taskTimeoutSeconds = options.taskTimeout !== undefined ? parseSeconds(options.taskTimeout, '--task-timeout') : undefined;
  const ctx = resolveContext(options);
  const config = ctx.loadConfig();
  const allowList = allowListOf(config);
  const plan = loadPlanFile(ctx.resolvePath(options.plan), allowList);
  if (objective) plan.objective = objective;
  if (ctx.warning) process.stderr.write(`mcp: ${ctx.warning}\n`);

  ctx.root.prepare();
  const store = TaskStore.open(ctx.root.dbPath);
  const out = options.json ? process.stderr : process.stdout;
  try {
    const runId = createRun(store, plan, { project: ctx.project, parallel: parallel ?? config.parallel ?? Math.max(1, os.availableParallelism()) });
    out.write(`run ${runId}: ${plan.tasks.length} task${plan.tasks.length === 1 ? '' : 's'}, state in ${ctx.root.dir}\n`);
    const supervisor = await Supervisor.start({
      root: ctx.root,
      store,
      codex: findCodexBinary(process.env),
      allowList,
      env: process.env,
      killGraceMs: config.killGraceSeconds * 1000,
      defaultTimeoutMs: (taskTimeoutSeconds ?? config.taskTimeoutSeconds) !== undefined ? (taskTimeoutSeconds ?? config.taskTimeoutSeconds ?? 0) * 1000 : undefined,
    });
    let state: RunState;
    if (supervisor instanceof Supervisor) {
      supervisor.onTaskChange((change) => out.write(progressLine(change)));
      const stopOnSignal = (): void => {
        out.write('mcp: interrupted; stopping tasks\n');
        void sendControl(ctx.root.socketPath, { op: 'kill', target: 'all' });
      };
      process.once('SIGINT', stopOnSignal);
      process.once('SIGTERM', stopOnSignal);
      try {
        state = await supervisor.runRun(runId);
        await supervisor.idle();
      } finally {
        process.off('SIGINT', stopOnSignal);
        process.off('SIGTERM', stopOnSignal);
        await supervisor.shutdown();
      }
    } else {
      const reply = await sendControl(ctx.root.socketPath, { op: 'submit', runId });
      if (!reply?.ok) throw new UsageError(`the supervisor (pid ${supervisor.pid}) of ${ctx.root.dir} did not take the run`, 'retry, or stop it with `mcp kill --all`');
      out.write(`run ${runId} handed to the supervisor (pid ${supervisor.pid})\n`);
      state = await waitForRun(store, runId);
    }
    const run = store.getRun(runId);
    const view = run ? runView(run, store.tasksOf(runId)) : undefined;
    if (options.json) process.stdout.write(`${JSON.stringify({ run: view }, null, 2)}\n`);
    else if (view) process.stdout.write(`\n${renderRun(view, { logsDir: (id) => ctx.root.taskDir(id) })}\n`);
    return state === 'succeeded' ? 0 : 1;
  } finally {
    store.close();
  }
}

async function waitForRun(store: TaskStore, runId: string): Promise<RunState> {
  for (;;) {
    const run = store.getRun(runId);
    if (run && isFinalRunState(run.status)) return run.status;
    await new Promise((resolve) => setTimeout(resolve, HANDOFF_POLL_MS));
  }
}

function progressLine(change: TaskChange): string {
  const t = change.task;
  const when = formatTime(new Date().toISOString());
  const extra = t.reason ? `  ${printable(t.reason)}` : change.to === 'running' && t.attempts > 1 ? `  attempt ${t.attempts}` : '';
  return `${when}  ${t.key.padEnd(16)} ${change.to}${extra}\n`;
}
