import { UsageError } from '../domain/errors.js';
import type { RunRecord } from '../store/records.js';
import { git, tryGit } from '../workspace/git.js';

/**
 * Brings a run's result branch into the user's current branch (`mcp merge`, `--apply`).
 * Refuses on a dirty tree: a merge must never mix with uncommitted work.
 */
export async function applyRunResult(run: RunRecord): Promise<string> {
  if (!run.resultBranch) throw new UsageError(`run ${run.id} has no result branch to merge (status ${run.status})`, 'only a run whose tasks succeeded in a git project has one');
  const dirty = await git(run.project, ['status', '--porcelain', '--untracked-files=no']);
  if (dirty) throw new UsageError(`the working tree of ${run.project} has uncommitted changes`, 'commit or stash them, then run `mcp merge` again');
  const current = (await tryGit(run.project, ['rev-parse', '--abbrev-ref', 'HEAD'])) ?? 'HEAD';
  const merged = await tryGit(run.project, ['merge', '--no-edit', '-m', `mcp: merge run ${run.id}`, run.resultBranch]);
  if (merged === null) {
    await tryGit(run.project, ['merge', '--abort']);
    throw new UsageError(`merging ${run.resultBranch} into ${current} conflicts; nothing was changed`, `merge it by hand: git merge ${run.resultBranch}`);
  }
  return `merged ${run.resultBranch} into ${current}`;
}
