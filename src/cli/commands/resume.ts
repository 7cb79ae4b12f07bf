import { NoSupervisorError } from '../../domain/errors.js';
import { isFinalRunState } from '../../domain/task-state.js';
import { recoverRun, unfinishedRuns } from '../../orchestrator/recovery.js';
import { Supervisor } from '../../orchestrator/supervisor.js';
import { supervisorDeps } from '../../orchestrator/supervisor-deps.js';
import { resolveContext, type ContextOptions } from '../context.js';
import { runView } from '../../store/views.js';
import { foregroundExitCode, superviseInForeground } from '../foreground.js';
import { openExistingStore, requireStore } from '../open-store.js';
import { renderRun } from '../render/run-summary.js';

export interface ResumeOptions extends ContextOptions {
  json?: boolean;
}

/**
 * `mcp resume [RUN]`: finishes runs whose supervisor died. Orphaned task processes are
 * stopped first, running tasks become `interrupted` and are resumed (their Codex session
 * continued when one was recorded), finished tasks are kept, pending ones run.
 */
export async function resumeCommand(ref: string | undefined, options: ResumeOptions): Promise<number> {
  const ctx = resolveContext(options);
  const out = options.json ? process.stderr : process.stdout;
  const store = ref ? requireStore(ctx.root, ref) : openExistingStore(ctx.root);
  if (!store) {
    out.write(`no runs in ${ctx.root.dir}: nothing to resume\n`);
    if (options.json) process.stdout.write(`${JSON.stringify({ runs: [] })}\n`);
    return 0;
  }
  try {
    const runs = ref ? [store.resolveRun(ref)] : unfinishedRuns(store);
    const todo = runs.filter((r) => !isFinalRunState(r.status));
    if (todo.length === 0) {
      out.write(ref ? `run ${runs[0]?.id} already ended (${runs[0]?.status}); nothing to resume\n` : 'nothing to resume\n');
      if (options.json) process.stdout.write(`${JSON.stringify({ runs: [] })}\n`);
      return 0;
    }
    const config = await ctx.loadConfig();
    const supervisor = await Supervisor.start(supervisorDeps(ctx.root, store, config));
    if (!(supervisor instanceof Supervisor)) {
      throw new NoSupervisorError(`a supervisor (pid ${supervisor.pid}) is alive for ${ctx.root.dir}: its runs are not interrupted`, 'watch them with `mcp status`, or stop it with `mcp kill --all`');
    }
    for (const run of todo) {
      const recovery = await recoverRun(ctx.root, store, run, config.killGraceSeconds * 1000);
      out.write(
        `resuming run ${run.id}: ${recovery.interrupted.length} interrupted task(s)${recovery.orphansStopped.length ? `, stopped orphaned process(es) ${recovery.orphansStopped.join(', ')}` : ''}\n`,
      );
    }
    const result = await superviseInForeground(supervisor, todo.map((r) => r.id), ctx.root, out, { store });
    const views = todo.map((r) => runView(store.getRun(r.id) ?? r, store.tasksOf(r.id)));
    if (options.json) process.stdout.write(`${JSON.stringify({ runs: views }, null, 2)}\n`);
    else process.stdout.write(`\n${views.map((v) => renderRun(v)).join('\n\n')}\n`);
    return foregroundExitCode(result);
  } finally {
    store.close();
  }
}
