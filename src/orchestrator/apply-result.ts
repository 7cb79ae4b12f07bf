import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';
import { runCommand } from '../terminal/run-command.js';
import type { RunRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import { patchApplied } from '../workspace/cleanup.js';
import { git, tryGit } from '../workspace/git.js';
import { GIT_AT_ONCE, mapLimit } from './map-limit.js';

/**
 * Brings a run's result branch into the user's current branch (`mcp merge`, `--apply`).
 * Refuses on a dirty tree: a merge must never mix with uncommitted work.
 */
export async function applyRunResult(run: RunRecord, root: StateRoot): Promise<string> {
  const patch = path.join(root.runDir(run.id), 'result.patch');
  if (!run.resultBranch && run.status === 'succeeded' && existsSync(patch)) return applyPatch(run, patch);
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

/** Outside git: the run's patch applied to the project, all or nothing (`git apply` checks first). */
async function applyPatch(run: RunRecord, patch: string): Promise<string> {
  const check = await runCommand(['git', 'apply', '--check', patch], { cwd: run.project });
  if (check.code !== 0) {
    // A second `mcp merge`: the patch no longer applies because it is in already, as git
    // merge of a merged branch is "Already up to date", not a failure.
    if (await patchApplied(run.project, patch)) return `${patch} is already applied to ${run.project}; nothing changed`;
    throw new UsageError(`the run's patch does not apply to ${run.project}: ${check.stderr.trim().split('\n')[0] ?? ''}`, `apply it by hand: ${patch}`);
  }
  const applied = await runCommand(['git', 'apply', patch], { cwd: run.project });
  if (applied.code !== 0) throw new UsageError(`git apply ${patch} failed`, 'apply it by hand');
  return `applied ${patch} to ${run.project}`;
}

/**
 * The runs whose result branch is already in their project's current branch (`mcp merge`
 * done, or a `git merge` by hand): `mcp status` stops offering to merge them. One git call a
 * run that has a result branch.
 */
export async function mergedResults(runs: readonly { id: string; project: string; resultBranch: string | null }[]): Promise<Set<string>> {
  const withBranch = runs.filter((run) => run.resultBranch !== null);
  const merged = await mapLimit(withBranch, GIT_AT_ONCE, async (run) => (await tryGit(run.project, ['merge-base', '--is-ancestor', run.resultBranch!, 'HEAD'])) !== null);
  return new Set(withBranch.filter((_, i) => merged[i]).map((run) => run.id));
}
