import { rmSync } from 'node:fs';
import { errorMessage } from '../domain/errors.js';
import { forgetUsage } from '../store/root-usage.js';
import { writeSnapshot } from '../store/snapshot.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { deleteBranches, pruneWorktrees, removeWorktree } from '../workspace/cleanup.js';
import { decideRun, selectRuns, type CleanOptions, type LiveSupervisor, type Removal, type Skip } from './clean.js';
import { gatherRunFacts, RepositoryFacts, runRepository } from './clean-facts.js';
import { GIT_AT_ONCE, mapLimit } from './map-limit.js';
import { sendControl } from './control-client.js';
import { currentLockHolder } from './supervisor-lock.js';

export interface CleanReport {
  dryRun: boolean;
  /** The runs looked at (those not skipped as a whole). */
  runs: string[];
  /** What went, or with --dry-run what would go. */
  removed: Removal[];
  skipped: Skip[];
  /** What was to go but could not (git or the file system said no); a repository's prune too. */
  failed: { item: Removal | { kind: 'prune'; repository: string }; message: string }[];
}

/** Who runs what right now: the live supervisor of the state root, asked over its socket. */
export async function liveSupervisor(root: StateRoot): Promise<LiveSupervisor> {
  const holder = currentLockHolder(root.lockPath);
  if (!holder) return null;
  const reply = await sendControl(root.socketPath, { op: 'ping' });
  const runs = reply?.ok && Array.isArray(reply.runs) ? new Set(reply.runs.filter((id): id is string => typeof id === 'string')) : null;
  return { pid: holder.pid, runs };
}

/**
 * `mcp clean`: decides (clean.ts) from what exists (clean-facts.ts), then removes, run by
 * run, worktrees before their branches and folders before store rows; finally prunes each
 * repository's worktree list. A failure is reported and the rest goes on; a run whose items
 * did not all go keeps its logs and rows.
 */
export async function cleanRuns(root: StateRoot, store: TaskStore, options: CleanOptions, now = Date.now()): Promise<CleanReport> {
  const live = await liveSupervisor(root);
  const { chosen, skipped } = selectRuns(store.listRuns(), options, live, now);
  const report: CleanReport = { dryRun: options.dryRun, runs: chosen.map((run) => run.id), removed: [], skipped, failed: [] };
  const repositories = new Set<string>();
  const touched: string[] = [];
  let forgotten = false;
  const facts = new RepositoryFacts();

  for (const run of chosen) {
    const repo = await runRepository(root, run, facts);
    const plan = decideRun(await gatherRunFacts(root, store, run, repo, options, facts), options);
    report.skipped.push(...plan.skip);
    if (options.dryRun) {
      report.removed.push(...plan.remove);
      continue;
    }
    let failedHere = false;
    const fail = (item: Removal, message: string): void => {
      failedHere = true;
      report.failed.push({ item, message });
    };
    // Worktrees first, then (after a prune) their branches in one go, then the run's folders
    // and rows, which stay after any failure: a folder holding a worktree that could not be
    // removed must not be deleted under it, and a run is never forgotten half-removed.
    const worktreeItems = plan.remove.filter((item) => item.kind === 'worktree');
    const outcomes = await mapLimit(worktreeItems, GIT_AT_ONCE, (item) =>
      removeWorktree(repo.top, item.path, { force: item.force, registered: item.registered }).then(
        () => null,
        (error: unknown) => errorMessage(error),
      ),
    );
    worktreeItems.forEach((item, index) => {
      const message = outcomes[index];
      if (message === null || message === undefined) report.removed.push(item);
      else fail(item, message);
    });
    const branchItems = plan.remove.filter((item) => item.kind === 'branch');
    if (branchItems.length > 0) {
      if (!repo.top) for (const item of branchItems) fail(item, `no repository to delete ${item.branch} from`);
      else {
        // Git keeps a branch checked out in a worktree whose folder went (just now, or by a
        // clean that stopped short) until the prune; a failed prune shows as those branches' failure.
        await pruneWorktrees(repo.top).catch(() => undefined);
        const failed = await deleteBranches(repo.top, branchItems.map((item) => item.branch));
        for (const item of branchItems) {
          const message = failed.get(item.branch);
          if (message === undefined) report.removed.push(item);
          else fail(item, message);
        }
      }
    }
    for (const item of plan.remove) {
      if ((item.kind !== 'logs' && item.kind !== 'record') || failedHere) continue;
      try {
        if (item.kind === 'logs') rmSync(item.path, { recursive: true, force: true });
        else {
          store.deleteRun(item.run);
          forgotten = true;
        }
        report.removed.push(item);
      } catch (error) {
        fail(item, errorMessage(error));
      }
    }
    touched.push(run.id);
    if (repo.top && !(repo.private && report.removed.some((item) => item.kind === 'record' && item.run === run.id))) repositories.add(repo.top);
  }

  if (!options.dryRun) {
    for (const top of repositories) {
      try {
        await pruneWorktrees(top);
      } catch (error) {
        report.failed.push({ item: { kind: 'prune', repository: top }, message: errorMessage(error) });
      }
    }
    if (forgotten) {
      try {
        writeSnapshot(store, root.snapshotPath);
      } catch {
        /* the snapshot is a convenience copy; SQLite holds the truth and the next write catches up */
      }
    }
    forgetUsage(root, touched);
  }
  return report;
}
