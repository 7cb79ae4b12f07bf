import { UsageError } from '../../domain/errors.js';
import type { CleanOptions } from '../../orchestrator/clean.js';
import { cleanRuns } from '../../orchestrator/cleaner.js';
import { resolveContext, type ContextOptions } from '../context.js';
import { openExistingStore, requireStore } from '../open-store.js';
import { parseAge } from '../parse-options.js';
import { cleanJson, renderCleanReport } from '../render/clean-report.js';

export interface CleanCommandOptions extends ContextOptions {
  all?: boolean;
  olderThan?: string;
  dryRun?: boolean;
  logs?: boolean;
  branches?: boolean;
  force?: boolean;
  json?: boolean;
}

/**
 * `mcp clean [RUN]`: finished runs' worktrees and task branches (and with --logs the runs
 * themselves). Exit 0 when everything that was to go went, what was kept included; 1 when
 * git or the file system refused something.
 */
export async function cleanCommand(ref: string | undefined, options: CleanCommandOptions): Promise<number> {
  if (ref && options.all) throw new UsageError('give either a run or --all, not both', 'mcp clean RUN, or mcp clean --all');
  const olderThan = options.olderThan !== undefined ? { ms: parseAge(options.olderThan, '--older-than'), text: options.olderThan.trim() } : null;
  const ctx = resolveContext(options);
  const store = ref ? requireStore(ctx.root, ref) : openExistingStore(ctx.root);
  if (!store) {
    const empty = { dryRun: Boolean(options.dryRun), runs: [], removed: [], skipped: [], failed: [] };
    process.stdout.write(options.json ? `${JSON.stringify(cleanJson(empty, ctx.root.dir))}\n` : `nothing to clean: no state root at ${ctx.root.dir}\n`);
    return 0;
  }
  try {
    const run = ref ? store.resolveRun(ref) : undefined;
    const cleanOptions: CleanOptions = {
      runId: run?.id,
      olderThan,
      dryRun: Boolean(options.dryRun),
      logs: Boolean(options.logs),
      branches: Boolean(options.branches),
      force: Boolean(options.force),
    };
    const report = await cleanRuns(ctx.root, store, cleanOptions);
    process.stdout.write(options.json ? `${JSON.stringify(cleanJson(report, ctx.root.dir))}\n` : `${renderCleanReport(report, ctx.root.dir)}\n`);
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    store.close();
  }
}
