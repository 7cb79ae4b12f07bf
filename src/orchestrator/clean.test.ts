import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RefusedError } from '../domain/errors.js';
import { decideRun, keepsRunBranch, selectRuns, type CleanOptions, type RunFacts, type RunInfo, type WorktreeFact } from './clean.js';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const HOUR = 3_600_000;

function run(id: string, status: RunInfo['status'], endedHoursAgo: number | null = 1): RunInfo {
  return { id, status, createdAt: new Date(NOW - 100 * HOUR).toISOString(), endedAt: endedHoursAgo === null ? null : new Date(NOW - endedHoursAgo * HOUR).toISOString() };
}

const runs = [run('r00000001', 'succeeded'), run('r00000002', 'failed', 200), run('r00000003', 'running', null), run('r00000004', 'planning', null), run('r00000005', 'killed', 30)];
const ids = (list: { id: string }[]): string[] => list.map((r) => r.id);

test('selectRuns: every finished run; planning and running ones are skipped as running', () => {
  const { chosen, skipped } = selectRuns(runs, {}, null, NOW);
  assert.deepEqual(ids(chosen), ['r00000001', 'r00000002', 'r00000005']);
  assert.deepEqual(
    skipped.map((s) => [s.run, s.reason, s.refusal.flag]),
    [
      ['r00000003', 'running', null],
      ['r00000004', 'running', null],
    ],
  );
  assert.match(skipped[0]?.refusal.message ?? '', /r00000003 is running/);
  assert.match(skipped[0]?.refusal.hint ?? '', /mcp kill r00000003/);
});

test('selectRuns: a finished run a live supervisor still lists is held, not cleaned', () => {
  const { chosen, skipped } = selectRuns(runs, {}, { pid: 4242, runs: new Set(['r00000001', 'r00000003']) }, NOW);
  assert.deepEqual(ids(chosen), ['r00000002', 'r00000005']);
  assert.deepEqual(
    skipped.map((s) => [s.run, s.reason]),
    [
      ['r00000001', 'held'],
      ['r00000003', 'running'],
      ['r00000004', 'running'],
    ],
  );
  assert.match(skipped[0]?.refusal.message ?? '', /pid 4242/);
});

test('selectRuns: a live supervisor that does not answer makes every run untouchable', () => {
  const { chosen, skipped } = selectRuns(runs, {}, { pid: 4242, runs: null }, NOW);
  assert.deepEqual(chosen, []);
  assert.equal(skipped.length, runs.length);
  assert.ok(skipped.filter((s) => s.reason === 'supervisor').every((s) => /did not answer/.test(s.refusal.message)));
});

test('selectRuns: a named run that runs, or is held, is refused outright with a RefusedError (exit 2)', () => {
  for (const [runId, live] of [
    ['r00000003', null],
    ['r00000004', null],
    ['r00000001', { pid: 7, runs: new Set(['r00000001']) }],
    ['r00000001', { pid: 7, runs: null }],
  ] as const) {
    assert.throws(
      () => selectRuns(runs, { runId }, live, NOW),
      (error: unknown) => error instanceof RefusedError && error.exitCode === 2 && error.flag === null && !error.message.includes('\n'),
      runId,
    );
  }
  assert.deepEqual(ids(selectRuns(runs, { runId: 'r00000002' }, null, NOW).chosen), ['r00000002']);
});

test('selectRuns: --older-than keeps runs that ended more recently; a run that never ended counts from its creation', () => {
  const olderThan = { ms: 24 * HOUR, text: '1d' };
  const { chosen, skipped } = selectRuns([...runs, { ...run('r00000006', 'failed'), endedAt: null }], { olderThan }, null, NOW);
  assert.deepEqual(ids(chosen), ['r00000002', 'r00000005', 'r00000006']);
  const recent = skipped.find((s) => s.reason === 'recent');
  assert.equal(recent?.run, 'r00000001');
  assert.match(recent?.refusal.message ?? '', /ended 1h ago, less than --older-than 1d/);
  // Named, a recent run is listed as kept, not refused.
  assert.deepEqual(selectRuns(runs, { runId: 'r00000001', olderThan }, null, NOW).skipped.map((s) => s.reason), ['recent']);
});

const options = (extra: Partial<CleanOptions> = {}): Pick<CleanOptions, 'force' | 'branches' | 'logs'> => ({ force: false, branches: false, logs: false, ...extra });

function worktree(task: string, extra: Partial<WorktreeFact> = {}): WorktreeFact {
  return { task, path: `/s/runs/${task}/workspace`, label: `runs/${task}/workspace`, kind: 'task', registered: true, dirty: false, bytes: 4096, ...extra };
}

function facts(extra: Partial<RunFacts> = {}): RunFacts {
  return {
    run: run('r00000001', 'succeeded'),
    private: false,
    current: 'main',
    repoMissing: null,
    worktrees: [worktree('r00000001-a'), worktree('r00000001-b')],
    branches: [
      { task: 'r00000001-a', name: 'mcp/r00000001-a', commitsOnlyHere: 0, checkedOut: false },
      { task: 'r00000001-b', name: 'mcp/r00000001-b', commitsOnlyHere: 0, checkedOut: false },
    ],
    runBranch: { name: 'mcp/run-r00000001', merged: false, checkedOut: false },
    folders: [
      { task: 'r00000001-a', path: '/s/runs/r00000001-a', bytes: 100 },
      { task: null, path: '/s/run-records/r00000001', bytes: 50 },
    ],
    privateWork: null,
    ...extra,
  };
}

const what = (plan: ReturnType<typeof decideRun>): string[] => plan.remove.map((item) => (item.kind === 'branch' ? `branch ${item.branch}` : item.kind === 'record' ? 'record' : `${item.kind} ${item.path}`));
const why = (plan: ReturnType<typeof decideRun>): string[] => plan.skip.map((s) => `${s.reason} ${s.branch ?? s.path ?? s.kind}`);

test('decideRun: clean worktrees and merged task branches go, worktrees first; the unmerged run branch stays (--branches)', () => {
  const plan = decideRun(facts(), options());
  assert.deepEqual(what(plan), ['worktree /s/runs/r00000001-a/workspace', 'worktree /s/runs/r00000001-b/workspace', 'branch mcp/r00000001-a', 'branch mcp/r00000001-b']);
  assert.deepEqual(why(plan), ['run-branch-unmerged mcp/run-r00000001']);
  assert.equal(plan.skip[0]?.refusal.flag, '--branches');
  assert.match(plan.skip[0]?.refusal.hint ?? '', /mcp merge r00000001/);
  assert.ok(plan.remove.every((item) => item.kind !== 'worktree' || (item.registered && !item.force)));
});

test('decideRun: the kept branch of a run that did not succeed is not offered to mcp merge (which refuses it), but to git merge', () => {
  for (const status of ['failed', 'killed'] as const) {
    const plan = decideRun(facts({ run: run('r00000001', status) }), options());
    assert.deepEqual(why(plan), ['run-branch-unmerged mcp/run-r00000001']);
    assert.match(plan.skip[0]?.refusal.message ?? '', new RegExp(`what the ${status} run merged before it ended`));
    assert.match(plan.skip[0]?.refusal.hint ?? '', /^git merge mcp\/run-r00000001 brings that part in; --branches deletes it$/);
  }
});

test('decideRun: the run branch goes when merged into the current branch, or with --branches', () => {
  const merged = decideRun(facts({ runBranch: { name: 'mcp/run-r00000001', merged: true, checkedOut: false } }), options());
  assert.ok(what(merged).includes('branch mcp/run-r00000001'));
  assert.deepEqual(merged.skip, []);
  assert.ok(what(decideRun(facts(), options({ branches: true }))).includes('branch mcp/run-r00000001'));
  // Checked out in a worktree of the user's: never, whatever the flags.
  const out = decideRun(facts({ runBranch: { name: 'mcp/run-r00000001', merged: true, checkedOut: true } }), options({ branches: true, force: true }));
  assert.deepEqual(why(out), ['checked-out mcp/run-r00000001']);
  assert.equal(keepsRunBranch(null, { branches: false }), false);
  assert.equal(keepsRunBranch({ name: 'x', merged: false, checkedOut: false }, { branches: false }), true);
  assert.equal(keepsRunBranch({ name: 'x', merged: true, checkedOut: false }, { branches: false }), false);
  assert.equal(keepsRunBranch({ name: 'x', merged: false, checkedOut: false }, { branches: true }), false);
});

test('decideRun: a dirty worktree stays, and so does its branch, unless --force (which removes it with git --force)', () => {
  const dirty = facts({ worktrees: [worktree('r00000001-a', { dirty: true }), worktree('r00000001-b')] });
  const plan = decideRun(dirty, options());
  assert.deepEqual(why(plan), ['dirty /s/runs/r00000001-a/workspace', 'worktree-kept mcp/r00000001-a', 'run-branch-unmerged mcp/run-r00000001']);
  assert.deepEqual(
    plan.skip.slice(0, 2).map((s) => s.refusal.flag),
    ['--force', '--force'],
  );
  assert.match(plan.skip[0]?.refusal.message ?? '', /^runs\/r00000001-a\/workspace has uncommitted changes or untracked files$/);
  assert.deepEqual(what(plan), ['worktree /s/runs/r00000001-b/workspace', 'branch mcp/r00000001-b']);

  const forced = decideRun(dirty, options({ force: true }));
  assert.ok(forced.skip.every((s) => s.reason === 'run-branch-unmerged'));
  const removed = forced.remove.find((item) => item.kind === 'worktree' && item.task === 'r00000001-a');
  assert.deepEqual(removed && removed.kind === 'worktree' ? [removed.force, removed.registered] : null, [true, true]);
});

test('decideRun: a task branch with commits no staying branch holds is kept unless --force', () => {
  const unmerged = facts({
    branches: [
      { task: 'r00000001-a', name: 'mcp/r00000001-a', commitsOnlyHere: 2, checkedOut: false },
      { task: 'r00000001-b', name: 'mcp/r00000001-b', commitsOnlyHere: 0, checkedOut: false },
    ],
  });
  const plan = decideRun(unmerged, options());
  assert.deepEqual(why(plan), ['unmerged mcp/r00000001-a', 'run-branch-unmerged mcp/run-r00000001']);
  assert.equal(plan.skip[0]?.refusal.flag, '--force');
  assert.match(plan.skip[0]?.refusal.message ?? '', /2 commits that neither mcp\/run-r00000001 nor main nor any other branch holds/);
  // Its worktree is clean: it goes; the work is on the branch.
  assert.ok(what(plan).includes('worktree /s/runs/r00000001-a/workspace'));
  assert.ok(what(decideRun(unmerged, options({ force: true }))).includes('branch mcp/r00000001-a'));
  // With --branches the run branch goes, so it is not named as a holder.
  assert.match(decideRun(unmerged, options({ branches: true })).skip[0]?.refusal.message ?? '', /neither main nor any other branch/);
});

test('decideRun: a workspace git does not know (its repository gone) is kept unless --force, which deletes the folder', () => {
  const lost = facts({ repoMissing: 'the project /p is gone or no longer a git repository', worktrees: [worktree('r00000001-a', { registered: false, dirty: null })], branches: [], runBranch: null });
  const plan = decideRun(lost, options());
  assert.deepEqual(why(plan), ['not-a-worktree /s/runs/r00000001-a/workspace']);
  assert.match(plan.skip[0]?.refusal.message ?? '', /the project \/p is gone/);
  const forced = decideRun(lost, options({ force: true }));
  const item = forced.remove[0];
  assert.deepEqual(item?.kind === 'worktree' ? [item.registered, item.path] : null, [false, '/s/runs/r00000001-a/workspace']);
});

test("decideRun: an old run's result worktree goes as a folder when clean, and stays when dirty", () => {
  const result: WorktreeFact = { task: null, path: '/s/run-records/r00000001/result', label: 'run-records/r00000001/result', kind: 'result', registered: false, dirty: false, bytes: 8192 };
  const plan = decideRun(facts({ worktrees: [result], branches: [] }), options());
  assert.deepEqual(what(plan), ['worktree /s/run-records/r00000001/result']);
  assert.equal(plan.remove[0]?.kind === 'worktree' && plan.remove[0].registered, false);
  // Its link to the repository already broken (dirty unknown): still mcp's own leftover, it goes.
  assert.deepEqual(what(decideRun(facts({ worktrees: [{ ...result, dirty: null }], branches: [] }), options())), ['worktree /s/run-records/r00000001/result']);
  assert.deepEqual(why(decideRun(facts({ worktrees: [{ ...result, dirty: true }], branches: [], runBranch: null }), options())), ['dirty /s/run-records/r00000001/result']);
});

test('decideRun --logs: a run whose every item goes is forgotten: its folders, then its rows', () => {
  const plan = decideRun(facts({ runBranch: { name: 'mcp/run-r00000001', merged: true, checkedOut: false } }), options({ logs: true }));
  assert.deepEqual(what(plan).slice(-3), ['logs /s/runs/r00000001-a', 'logs /s/run-records/r00000001', 'record']);
  assert.deepEqual(plan.skip, []);
});

test('decideRun --logs: a run that keeps anything keeps its logs and rows too, naming the flag that would free it', () => {
  const kept = decideRun(facts(), options({ logs: true }));
  assert.deepEqual(why(kept), ['run-branch-unmerged mcp/run-r00000001', 'work-kept logs']);
  assert.equal(kept.skip[1]?.refusal.flag, '--branches');
  assert.ok(!what(kept).some((w) => w.startsWith('logs') || w === 'record'));
  const dirty = decideRun(facts({ worktrees: [worktree('r00000001-a', { dirty: true })] }), options({ logs: true, branches: true }));
  assert.equal(dirty.skip.at(-1)?.reason, 'work-kept');
  assert.equal(dirty.skip.at(-1)?.refusal.flag, '--force');
  assert.ok(what(decideRun(facts({ worktrees: [worktree('r00000001-a', { dirty: true })] }), options({ logs: true, branches: true, force: true }))).includes('record'));
});

test("decideRun --logs outside git: the private repository's work must be applied to the project, or --force", () => {
  const base = { private: true, current: 'mcp/base', runBranch: null };
  const notApplied = facts({ ...base, privateWork: { commits: 3, patch: '/s/run-records/r00000001/result.patch', applied: false } });
  const plan = decideRun(notApplied, options({ logs: true }));
  assert.deepEqual(why(plan), ['result-not-applied logs']);
  assert.match(plan.skip[0]?.refusal.hint ?? '', /mcp merge r00000001 applies \/s\/run-records\/r00000001\/result\.patch; --force deletes it/);
  // The worktrees and branches still go; only the records stay.
  assert.ok(what(plan).includes('branch mcp/r00000001-a'));
  assert.ok(!what(plan).includes('record'));
  assert.ok(what(decideRun(notApplied, options({ logs: true, force: true }))).includes('record'));
  assert.ok(what(decideRun(facts({ ...base, privateWork: { commits: 3, patch: '/p', applied: true } }), options({ logs: true }))).includes('record'));
  assert.ok(what(decideRun(facts({ ...base, privateWork: { commits: 0, patch: null, applied: false } }), options({ logs: true }))).includes('record'));
  // A task branch with commits found nowhere else in the private repository names its run branch.
  const unmerged = decideRun(facts({ ...base, branches: [{ task: 'r00000001-a', name: 'mcp/r00000001-a', commitsOnlyHere: 1, checkedOut: false }] }), options());
  assert.match(unmerged.skip[0]?.refusal.message ?? '', /1 commit that neither mcp\/run-r00000001 nor mcp\/base/);
});
