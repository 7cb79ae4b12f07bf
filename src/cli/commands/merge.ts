import { applyRunResult } from '../../orchestrator/apply-result.js';
import { resolveContext, type ContextOptions } from '../../orchestrator/workspace-context.js';
import { requireStore } from '../open-store.js';

/** `mcp merge RUN`: the run's result branch into the user's current branch. */
export async function mergeCommand(ref: string, options: ContextOptions): Promise<number> {
  const ctx = resolveContext(options);
  const store = requireStore(ctx.root, ref);
  try {
    const run = store.resolveRun(ref);
    process.stdout.write(`${await applyRunResult(run, ctx.root)}\n`);
    return 0;
  } finally {
    store.close();
  }
}
