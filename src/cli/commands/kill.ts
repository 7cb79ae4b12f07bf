import { UsageError } from '../../domain/errors.js';
import { describeKill, killTarget, type KillTarget } from '../../orchestrator/kill.js';
import { resolveContext, type ContextOptions } from '../context.js';
import { openExistingStore, requireStore } from '../open-store.js';

export interface KillOptions extends ContextOptions {
  all?: boolean;
  json?: boolean;
}

export async function killCommand(ref: string | undefined, options: KillOptions): Promise<number> {
  if (!ref && !options.all) throw new UsageError('say what to stop: mcp kill TASK | RUN | --all');
  if (ref && options.all) throw new UsageError('give either a target or --all, not both');
  const ctx = resolveContext(options);
  const store = ref ? requireStore(ctx.root, ref) : openExistingStore(ctx.root);
  if (!store) {
    const note = `no runs in ${ctx.root.dir}: nothing to stop`;
    process.stdout.write(options.json ? `${JSON.stringify({ via: 'pid', stopped: [], cancelled: [], note })}\n` : `${note}\n`);
    return 0;
  }
  try {
    let target: KillTarget = { kind: 'all' };
    if (ref) {
      const run = store.getRun(ref);
      target = run ? { kind: 'run', runId: run.id } : { kind: 'task', task: store.resolveTask(ref) };
    }
    const graceMs = (await ctx.loadConfig()).killGraceSeconds * 1000;
    const result = await killTarget(ctx.root, store, target, graceMs);
    if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${describeKill(result)}\n`);
    return 0;
  } finally {
    store.close();
  }
}
