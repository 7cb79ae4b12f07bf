import { UsageError } from '../../domain/errors.js';
import { killTarget, type KillTarget } from '../../orchestrator/kill.js';
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
    process.stdout.write(options.json ? `${JSON.stringify({ via: 'pid', stopped: [], note })}\n` : `${note}\n`);
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
    else if (result.stopped.length === 0) process.stdout.write(`${result.note ?? 'nothing to stop'}\n`);
    else process.stdout.write(`stopped ${result.stopped.join(', ')} (via ${result.via === 'supervisor' ? 'the supervisor' : 'recorded PID'})\n`);
    return 0;
  } finally {
    store.close();
  }
}
