import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import os from 'node:os';
import { allowListOf, type McpConfig } from '../../config/config.js';
import { NoSupervisorError, UsageError } from '../../domain/errors.js';
import { checkCodexBeforePlanning } from '../codex-check.js';
import { isFinalRunState, type RunState } from '../../domain/task-state.js';
import { sendControl } from '../../orchestrator/control-client.js';
import { unfinishedRuns } from '../../orchestrator/recovery.js';
import { currentLockHolder, type LockHolder } from '../../orchestrator/supervisor-lock.js';
import { createRun } from '../../orchestrator/create-run.js';
import { applyRunResult } from '../../orchestrator/apply-result.js';
import { loadPlanFile, validatePlan } from '../../orchestrator/plan.js';
import { describePlan } from '../render/plan.js';
import { failUnstartedRun, Supervisor } from '../../orchestrator/supervisor.js';
import { supervisorDeps } from '../../orchestrator/supervisor-deps.js';
import { resolveContext, type ContextOptions, type McpContext } from '../context.js';
import type { RunOptions as StoredRunOptions } from '../../store/records.js';
import type { TaskStore } from '../../store/task-store.js';
import { openOrCreateStore } from '../open-store.js';
import { runView } from '../../store/views.js';
import { foregroundExitCode, HANDOFF_POLL_MS, HANDOFF_TIMEOUT_MS, keepRunningWithoutReader, superviseInForeground, waitForRun } from '../foreground.js';
import { renderRun } from '../render/run-summary.js';
import { parseCount, parseSeconds } from '../parse-options.js';
import type { UiServer } from '../../ui/server/http-server.js';

export interface RunOptions extends ContextOptions {
  plan?: string;
  parallel?: string;
  json?: boolean;
  taskTimeout?: string;
  idleTimeout?: string;
  maxAttempts?: string;
  maxReplans?: string;
  retryBackoff?: string;
  apply?: boolean;
  detach?: boolean;
  interactive?: boolean;
  task?: string;
  /** false with --no-tty: plain progress lines even on a terminal. */
  tty?: boolean;
  /** Serve the web dashboard from this process while the run runs. */
  ui?: boolean;
}

/** Flags that shape the run, validated before anything is written. */
function runOptionsFrom(options: RunOptions, config: { taskTimeoutSeconds?: number }): StoredRunOptions {
  const out: StoredRunOptions = {};
  if (options.maxAttempts !== undefined) out.maxAttempts = parseCount(options.maxAttempts, '--max-attempts', 20);
  if (options.maxReplans !== undefined) out.maxReplans = parseCount(options.maxReplans, '--max-replans', 20, 0);
  const taskTimeout = options.taskTimeout !== undefined ? parseSeconds(options.taskTimeout, '--task-timeout') : config.taskTimeoutSeconds;
  if (taskTimeout !== undefined) out.taskTimeoutMs = taskTimeout * 1000;
  if (options.idleTimeout !== undefined) out.idleTimeoutMs = parseSeconds(options.idleTimeout, '--idle-timeout') * 1000;
  if (options.retryBackoff !== undefined) out.backoffMs = options.retryBackoff.trim() === '0' ? 0 : parseSeconds(options.retryBackoff, '--retry-backoff') * 1000;
  return out;
}

export async function runCommand(objective: string | undefined, options: RunOptions): Promise<number> {
  if (Boolean(options.interactive) !== (options.task !== undefined)) throw new UsageError('--interactive and --task go together', 'mcp run --interactive --task "what to do"');
  if (options.interactive && options.plan) throw new UsageError('--interactive --task replaces --plan; give one of them');
  if (options.detach && options.ui) throw new UsageError('--ui serves the dashboard from this process, which --detach leaves at once', 'run `mcp ui` next to the detached run');
  if (options.detach && options.apply) throw new UsageError('--apply needs to wait for the run', 'drop --detach, or run `mcp merge RUN` when it is done');
  if (!options.plan && !objective?.trim() && !options.interactive) throw new UsageError('nothing to run', 'give an objective (mcp run "…") or a plan (mcp run --plan plan.json)');
  const parallelFlag = options.parallel !== undefined ? parseCount(options.parallel, '--parallel', 64) : undefined;
  const ctx = resolveContext(options);
  const config = await ctx.loadConfig();
  const stored = runOptionsFrom(options, config);
  const allowList = allowListOf(config);
  const plan = options.plan
    ? loadPlanFile(ctx.resolvePath(options.plan), allowList)
    : options.interactive
      ? validatePlan({ objective: objective ?? '', tasks: [{ id: 'interactive', title: 'Interactive Codex session', prompt: options.task, mode: 'interactive' }] }, '--task', allowList)
      : null;
  if (plan && objective) plan.objective = objective;
  if (ctx.warning) process.stderr.write(`mcp: ${ctx.warning}\n`);
  if (!plan) await checkCodexBeforePlanning(ctx.project);

  const store = openOrCreateStore(ctx.root);
  const out = options.json ? process.stderr : process.stdout;
  keepRunningWithoutReader(out);
  keepRunningWithoutReader(process.stdout);
  let ui: UiServer | null = null;
  try {
    if (!currentLockHolder(ctx.root.lockPath)) {
      for (const run of unfinishedRuns(store)) {
        out.write(`mcp: run ${run.id} was interrupted (its supervisor stopped); finish it with: mcp resume ${run.id}\n`);
      }
    }
    const parallel = parallelFlag ?? config.parallel ?? Math.max(1, os.availableParallelism());
    const runId = createRun(store, { objective: objective ?? '', plan, project: ctx.project, parallel, options: stored });
    out.write(`run ${runId}: state in ${ctx.root.dir}\n`);
    if (plan) out.write(`${describePlan(plan)}\n`);
    if (options.detach) {
      const pid = await startDetachedSupervisor(ctx, store, runId);
      const view = runView(store.getRun(runId) ?? store.resolveRun(runId), store.tasksOf(runId));
      if (options.json) process.stdout.write(`${JSON.stringify({ run: view, supervisorPid: pid }, null, 2)}\n`);
      else out.write(`run ${runId} runs in the background (supervisor pid ${pid}); watch it with: mcp status ${runId} | mcp logs TASK -f | mcp attach TASK\n`);
      return 0;
    }
    if (options.ui) {
      // Loaded only here: a run without --ui does not pay for the web server's modules.
      const { startDashboard } = await import('../dashboard.js');
      ui = await startDashboard(ctx, () => store, 0).catch((error: unknown) => {
        failUnstartedRun(ctx.root, store, runId, error);
        throw error;
      });
      out.write(`dashboard: ${ui.url}\n`);
    }
    const supervisor = await superviseOrHandOff(ctx, store, config, runId);
    let state: RunState;
    let stoppedBy: NodeJS.Signals | null = null;
    if (supervisor instanceof Supervisor) {
      const result = await superviseInForeground(supervisor, [runId], ctx.root, out, { tty: options.tty, store });
      [state = 'failed'] = result.states;
      stoppedBy = result.stoppedBy;
    } else {
      out.write(`run ${runId} handed to the supervisor (pid ${supervisor})\n`);
      state = await waitForRun(store, runId, ctx.root.lockPath);
    }
    const run = store.getRun(runId);
    if (options.apply && state === 'succeeded' && run) out.write(`${await applyRunResult(run, ctx.root)}\n`);
    const view = run ? runView(run, store.tasksOf(runId)) : undefined;
    if (options.json) process.stdout.write(`${JSON.stringify({ run: view }, null, 2)}\n`);
    else if (view) process.stdout.write(`\n${renderRun(view, { logsDir: (id) => ctx.root.taskDir(id) })}\n`);
    return foregroundExitCode({ states: [state], stoppedBy });
  } finally {
    await ui?.close();
    store.close();
  }
}

/** A run whose supervisor cannot start will never run: it ends `failed`, never stays `running`. */
async function startSupervisorFor(ctx: McpContext, store: TaskStore, config: McpConfig, runId: string): Promise<Supervisor | LockHolder> {
  try {
    return await Supervisor.start(supervisorDeps(ctx.root, store, config));
  } catch (error) {
    failUnstartedRun(ctx.root, store, runId, error);
    throw error;
  }
}

/**
 * Becomes the state root's supervisor, or hands the run to the live one and returns its PID.
 * A holder that dies meanwhile is replaced by this process. A run that nobody took ends
 * `failed` with the reason: left `running`, it would wait for a supervisor forever.
 */
async function superviseOrHandOff(ctx: McpContext, store: TaskStore, config: McpConfig, runId: string): Promise<Supervisor | number> {
  const deadline = Date.now() + HANDOFF_TIMEOUT_MS;
  for (;;) {
    const supervisor = await startSupervisorFor(ctx, store, config, runId);
    if (supervisor instanceof Supervisor) return supervisor;
    const reply = await sendControl(ctx.root.socketPath, { op: 'submit', runId });
    if (reply?.ok) return supervisor.pid;
    if (Date.now() >= deadline) {
      const error = new UsageError(`the supervisor (pid ${supervisor.pid}) of ${ctx.root.dir} did not take the run`, 'retry, or stop it with `mcp kill --all`');
      failUnstartedRun(ctx.root, store, runId, error, 'not started');
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, HANDOFF_POLL_MS));
  }
}

/** How long `--detach` waits for the background supervisor to answer on its socket. */
const DETACH_START_TIMEOUT_MS = 10_000;

/**
 * Starts `mcp supervise` in its own session, detached from this terminal, with its output
 * in supervisor.log; or hands the run to the supervisor already alive. Returns its PID.
 */
async function startDetachedSupervisor(ctx: McpContext, store: TaskStore, runId: string): Promise<number> {
  const holder = currentLockHolder(ctx.root.lockPath);
  if (holder) {
    const reply = await sendControl(ctx.root.socketPath, { op: 'submit', runId });
    if (reply?.ok) return holder.pid;
  }
  const log = openSync(ctx.root.supervisorLogPath, 'a');
  const child = spawn(process.execPath, [process.argv[1] ?? '', 'supervise', '--state-dir', ctx.root.dir, '--project', ctx.project, '--run', runId], {
    detached: true,
    stdio: ['ignore', log, log],
    env: process.env,
    cwd: ctx.project,
  });
  closeSync(log);
  child.unref();
  const deadline = Date.now() + DETACH_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const reply = await sendControl(ctx.root.socketPath, { op: 'ping' }, 500);
    if (reply?.ok) return Number(reply.pid);
    const run = store.getRun(runId);
    if (run && isFinalRunState(run.status)) throw new NoSupervisorError(`the background supervisor did not start: ${run.reason ?? run.status}`, `see ${ctx.root.supervisorLogPath}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new NoSupervisorError(`the background supervisor did not start (see ${ctx.root.supervisorLogPath})`, 'run without --detach to see what fails');
}
