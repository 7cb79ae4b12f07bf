import { NoSupervisorError, UsageError } from '../../domain/errors.js';
import { isFinalRunState } from '../../domain/task-state.js';
import { sendControl } from '../../orchestrator/control-client.js';
import { recoverRun, unfinishedRuns } from '../../orchestrator/recovery.js';
import { runSupervisor } from '../../orchestrator/run-supervisor.js';
import { Supervisor } from '../../orchestrator/supervisor.js';
import { supervisorDeps } from '../../orchestrator/supervisor-deps.js';
import type { LockHolder } from '../../orchestrator/supervisor-lock.js';
import type { ExecutorDeps } from '../../orchestrator/run-controller.js';
import { resolveContext, type ContextOptions } from '../context.js';
import type { RunRecord } from '../../store/records.js';
import type { StateRoot } from '../../store/state-root.js';
import type { TaskStore } from '../../store/task-store.js';
import { runView } from '../../store/views.js';
import { foregroundExitCode, HANDOFF_POLL_MS, HANDOFF_TIMEOUT_MS, superviseInForeground, waitForRun, type ForegroundResult } from '../foreground.js';
import { openExistingStore, requireStore } from '../open-store.js';
import { renderRun } from '../render/run-summary.js';

export interface ResumeOptions extends ContextOptions {
  json?: boolean;
  /** Where the report goes: stdout, but for tests (where stdout also carries the runner's own reports). */
  stdout?: NodeJS.WritableStream;
}

/** Beyond the grace period the supervisor may spend stopping orphans, for its reply to come. */
const ADOPT_REPLY_SLACK_MS = 5_000;

/**
 * `mcp resume [RUN]`: finishes runs whose supervisor died. Orphaned task processes are
 * stopped first, running tasks become `interrupted` and are resumed (their Codex session
 * continued when one was recorded), finished tasks are kept, pending ones run. This process
 * becomes the state root's supervisor, or, if another one holds it, hands the runs to it.
 */
export async function resumeCommand(ref: string | undefined, options: ResumeOptions): Promise<number> {
  // `mcp resume "$RUN"` with RUN unset must not resume every interrupted run.
  if (ref !== undefined && ref.trim() === '') throw new UsageError('the run to resume is empty: name a run id, or give none to resume every interrupted run');
  const ctx = resolveContext(options);
  const stdout = options.stdout ?? process.stdout;
  const out = options.json ? process.stderr : stdout;
  const store = ref ? requireStore(ctx.root, ref) : openExistingStore(ctx.root);
  if (!store) {
    out.write(`no runs in ${ctx.root.dir}: nothing to resume\n`);
    if (options.json) stdout.write(`${JSON.stringify({ runs: [] })}\n`);
    return 0;
  }
  try {
    const runs = ref ? [store.resolveRun(ref)] : unfinishedRuns(store);
    const todo = runs.filter((r) => !isFinalRunState(r.status));
    if (todo.length === 0) {
      out.write(ref ? `run ${runs[0]?.id} already ended (${runs[0]?.status}); nothing to resume\n` : 'nothing to resume\n');
      if (options.json) stdout.write(`${JSON.stringify({ runs: [] })}\n`);
      return 0;
    }
    const config = await ctx.loadConfig();
    const resumed = await resumeSomewhere(ctx.root, store, todo, supervisorDeps(ctx.root, store, config), out);
    const views = resumed.runs.map((r) => runView(store.getRun(r.id) ?? r, store.tasksOf(r.id)));
    if (options.json) stdout.write(`${JSON.stringify({ runs: views }, null, 2)}\n`);
    else stdout.write(`\n${views.map((v) => renderRun(v)).join('\n\n')}\n`);
    return foregroundExitCode(resumed.result);
  } finally {
    store.close();
  }
}

/**
 * Becomes the state root's supervisor and resumes the runs here, or hands them to the live
 * one; a holder that stops meanwhile is replaced by this process. Returns the runs resumed
 * and how they ended.
 */
async function resumeSomewhere(root: StateRoot, store: TaskStore, runs: RunRecord[], deps: ExecutorDeps, out: NodeJS.WritableStream): Promise<{ runs: RunRecord[]; result: ForegroundResult }> {
  const deadline = Date.now() + HANDOFF_TIMEOUT_MS;
  for (;;) {
    const supervisor = await Supervisor.start(deps);
    if (supervisor instanceof Supervisor) return { runs, result: await resumeHere(supervisor, root, store, runs, deps.killGraceMs, out) };
    const handed = await handOver(root, runs, supervisor, deps.killGraceMs, out);
    if (handed) return { runs: handed, result: { states: await Promise.all(handed.map((run) => waitForRun(store, run.id, root.lockPath))), stoppedBy: null } };
    if (Date.now() >= deadline) throw notTakenOver(runs, supervisor, root, 'it does not answer');
    await new Promise((resolve) => setTimeout(resolve, HANDOFF_POLL_MS));
  }
}

/** This process is the supervisor: it recovers the runs and runs them to their end. */
async function resumeHere(supervisor: Supervisor, root: StateRoot, store: TaskStore, runs: RunRecord[], graceMs: number, out: NodeJS.WritableStream): Promise<ForegroundResult> {
  for (const run of runs) {
    const recovery = await recoverRun(root, store, run, graceMs);
    out.write(`resuming run ${run.id}: ${recoveryText(recovery)}\n`);
  }
  return superviseInForeground(supervisor, runs.map((r) => r.id), root, out, { store });
}

/**
 * Another supervisor holds the state root (a later `mcp run --detach`, say), and only the
 * holder may run anything there: it is asked to take over the runs whose supervisor died, as
 * this command would have (recoverRun), and they are waited for as `mcp run` waits for a run
 * it handed over. Its own runs are not interrupted. Returns the runs it took, or null when it
 * did not answer (it may be stopping: the caller tries again).
 */
async function handOver(root: StateRoot, runs: RunRecord[], holder: LockHolder, graceMs: number, out: NodeJS.WritableStream): Promise<RunRecord[] | null> {
  const orphans = runs.filter((run) => runSupervisor(run, holder) !== 'live');
  if (orphans.length === 0) {
    const [run] = runs;
    if (runs.length === 1 && run) throw new NoSupervisorError(`run ${run.id} is not interrupted: the supervisor (pid ${holder.pid}) of ${root.dir} runs it`, `watch it with \`mcp status ${run.id}\`, or stop it with \`mcp kill ${run.id}\``);
    throw new NoSupervisorError(`a supervisor (pid ${holder.pid}) is alive for ${root.dir}: its runs are not interrupted`, 'watch them with `mcp status`, or stop it with `mcp kill --all`');
  }
  for (const run of orphans) {
    const reply = await sendControl(root.socketPath, { op: 'adopt', runId: run.id }, graceMs + ADOPT_REPLY_SLACK_MS);
    if (!reply) return null;
    // A supervisor of an mcp from before `adopt` refuses it as a request it does not know.
    if (!reply.ok) throw notTakenOver([run], holder, root, reply.code === 'bad_request' ? `it does not take over runs (${reply.error})` : reply.error);
    const recovery = { interrupted: stringsOf(reply.interrupted), orphansStopped: stringsOf(reply.orphansStopped) };
    out.write(`resuming run ${run.id} in the supervisor (pid ${holder.pid}) that holds ${root.dir}: ${recoveryText(recovery)}\n`);
  }
  return orphans;
}

function recoveryText(recovery: { interrupted: readonly unknown[]; orphansStopped: readonly unknown[] }): string {
  return `${recovery.interrupted.length} interrupted task(s)${recovery.orphansStopped.length ? `, stopped orphaned process(es) ${recovery.orphansStopped.join(', ')}` : ''}`;
}

/** A list from the supervisor's reply, as text; anything else counts as none. */
function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** The live supervisor will not take the runs: which one it is, and the two ways out. */
function notTakenOver(runs: RunRecord[], holder: LockHolder, root: StateRoot, why: string): NoSupervisorError {
  const [run] = runs;
  const what = runs.length === 1 && run ? `run ${run.id}` : `runs ${runs.map((r) => r.id).join(', ')}`;
  return new NoSupervisorError(`${what} cannot be resumed while the supervisor (pid ${holder.pid}) holds ${root.dir}: ${why}`, `wait for it to end (mcp status), or stop it with: mcp kill --all; then: mcp resume${runs.length === 1 && run ? ` ${run.id}` : ''}`);
}
