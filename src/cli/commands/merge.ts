import { applyRunResult } from '../../orchestrator/apply-result.js';
import { resolveContext, type ContextOptions } from '../context.js';
import { requireStore } from '../open-store.js';

export interface MergeOptions extends ContextOptions {
  json?: boolean;
}

/** `mcp merge RUN`: the run's result branch into the user's current branch. */
export async function mergeCommand(ref: string, options: MergeOptions): Promise<number> {
  const ctx = resolveContext(options);
  const store = requireStore(ctx.root, ref);
  try {
    const run = store.resolveRun(ref);
    const message = await applyRunResult(run, ctx.root);
    process.stdout.write(options.json ? `${JSON.stringify({ run: run.id, merged: true, message })}\n` : `${message}\n`);
    return 0;
  } finally {
    store.close();
  }
}
