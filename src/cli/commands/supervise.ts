import { sendControl } from '../../orchestrator/control-client.js';
import { failUnstartedRun, Supervisor } from '../../orchestrator/supervisor.js';
import { supervisorDeps } from '../../orchestrator/supervisor-deps.js';
import { resolveContext, type ContextOptions } from '../context.js';
import { TaskStore } from '../../store/task-store.js';

export interface SuperviseOptions extends ContextOptions {
  run?: string[];
}

/** A detached supervisor stays this long after its last run, for runs submitted meanwhile. */
const LINGER_MS = 3_000;

/**
 * The background supervisor behind `mcp run --detach` (not for direct use): runs the given
 * runs, serves the socket, and exits once no run has been executing for a moment.
 */
export async function superviseCommand(options: SuperviseOptions): Promise<number> {
  const ctx = resolveContext(options);
  const config = await ctx.loadConfig();
  const store = TaskStore.open(ctx.root.dbPath);
  try {
    let supervisor;
    try {
      supervisor = await Supervisor.start(supervisorDeps(ctx.root, store, config));
    } catch (error) {
      for (const runId of options.run ?? []) failUnstartedRun(ctx.root, store, runId, error);
      throw error;
    }
    if (!(supervisor instanceof Supervisor)) {
      // Another supervisor won the race: hand it the runs.
      for (const runId of options.run ?? []) await sendControl(ctx.root.socketPath, { op: 'submit', runId });
      return 0;
    }
    const stop = (): void => void supervisor.killAll();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    for (const runId of options.run ?? []) void supervisor.runRun(runId);
    for (;;) {
      await supervisor.idle();
      await new Promise((resolve) => setTimeout(resolve, LINGER_MS));
      if (supervisor.busy()) continue;
      break;
    }
    await supervisor.shutdown();
    return 0;
  } finally {
    store.close();
  }
}
