import { existsSync, readFileSync, statSync } from 'node:fs';
import { runRepository } from '../../orchestrator/clean-facts.js';
import type { RunRecord, TaskRecord } from '../../store/records.js';
import type { StateRoot } from '../../store/state-root.js';
import { runCommand } from '../../terminal/run-command.js';
import { taskStart } from '../../workspace/workspace.js';
import type { DiffReply } from '../wire.js';

/** A diff larger than this is cut: the page renders it as HTML, and megabytes of it help nobody. */
const MAX_DIFF_BYTES = 2 * 1024 * 1024;
/** New files of a running task shown in its diff; past this the rest are only counted. */
const MAX_UNTRACKED_FILES = 200;

const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/'];

async function gitOut(cwd: string, args: string[]): Promise<string | null> {
  const result = await runCommand(['git', ...args], { cwd, timeoutMs: 30_000 });
  return result.code === 0 ? result.stdout : null;
}

/**
 * The commit a task's own work starts from. Recorded in a run's private repository; in a
 * user's repository, found on the branch: the worktree starts at its first dependency's
 * branch (or the run's base), then merges the other dependencies ("mcp: combine …"), and
 * only then come the task's own commits.
 */
async function startOf(top: string, run: RunRecord, task: TaskRecord, depBranches: string[]): Promise<string | null> {
  const branch = task.branch as string;
  const recorded = await taskStart(top, branch);
  if (recorded) return recorded;
  if (depBranches.length === 0) return run.baseCommit;
  const listed = await gitOut(top, ['rev-list', '--first-parent', '--format=%H %P%x00%s', branch, ...depBranches.map((b) => `^${b}`)]);
  if (listed === null) return null;
  const commits = listed.split('\n').filter((l) => !l.startsWith('commit ') && l.trim());
  let start: string | null = null;
  for (const line of commits) {
    const [ids = '', subject = ''] = line.split('\u0000');
    const [hash, parent] = ids.split(' ');
    if (subject.startsWith('mcp: combine')) return hash ?? null;
    start = parent ?? null;
  }
  return start ?? (await gitOut(top, ['rev-parse', branch]))?.trim() ?? null;
}

function cut(diff: string): { diff: string; truncated: boolean } {
  if (Buffer.byteLength(diff) <= MAX_DIFF_BYTES) return { diff, truncated: false };
  const head = Buffer.from(diff).subarray(0, MAX_DIFF_BYTES).toString('utf8');
  return { diff: head.slice(0, head.lastIndexOf('\ndiff --git ') + 1 || head.length), truncated: true };
}

/**
 * A task's change against where it started: its branch once committed; while it runs, its
 * working copy, new files included (read without touching the workspace's index).
 */
export async function taskDiff(root: StateRoot, run: RunRecord, task: TaskRecord, depBranches: string[]): Promise<DiffReply> {
  const patch = root.taskFiles(task.id).resultPatch;
  if (existsSync(patch) && statSync(patch).size > 0 && !task.branch) {
    return { ...cut(readFileSync(patch, 'utf8')), between: 'the task’s result.patch', note: null };
  }
  const { top } = await runRepository(root, run);
  if (!top || !task.branch) return { diff: '', between: '', truncated: false, note: 'this task has no workspace branch (it has not started, or is a command outside git)' };
  const start = await startOf(top, run, task, depBranches);
  if (!start) return { diff: '', between: '', truncated: false, note: `the start of ${task.branch} could not be found` };
  const workspace = task.workspace && existsSync(task.workspace) ? task.workspace : null;
  const live = workspace && (task.status === 'running' || task.status === 'waiting_approval' || task.status === 'waiting_input' || task.status === 'retrying');
  const short = start.slice(0, 10);
  if (!live || !workspace) {
    const diff = (await gitOut(top, ['diff', ...DIFF_FLAGS, start, task.branch, '--'])) ?? '';
    return { ...cut(diff), between: `${task.branch} against ${short}`, note: diff ? null : 'no change' };
  }
  let diff = (await gitOut(workspace, ['diff', ...DIFF_FLAGS, start, '--'])) ?? '';
  const untracked = ((await gitOut(workspace, ['ls-files', '--others', '--exclude-standard', '-z'])) ?? '').split('\u0000').filter(Boolean);
  for (const file of untracked.slice(0, MAX_UNTRACKED_FILES)) {
    // `--no-index` exits 1 when the files differ: its output is the diff all the same.
    const result = await runCommand(['git', 'diff', '--no-index', ...DIFF_FLAGS, '--', '/dev/null', file], { cwd: workspace, timeoutMs: 30_000 });
    diff += result.stdout;
  }
  const more = untracked.length - MAX_UNTRACKED_FILES;
  return { ...cut(diff), between: `the working copy of ${task.key} against ${short}`, note: more > 0 ? `${more} more new files not shown` : diff ? null : 'no change yet' };
}

/** The run's result against its base: the result branch, or the run's patch outside git. */
export async function runDiff(root: StateRoot, run: RunRecord): Promise<DiffReply> {
  const patch = root.runFiles(run.id).resultPatch;
  if (!run.resultBranch && existsSync(patch)) return { ...cut(readFileSync(patch, 'utf8')), between: 'the run’s result.patch', note: null };
  const { top } = await runRepository(root, run);
  const branch = run.resultBranch ?? `mcp/run-${run.id}`;
  if (!top || !run.baseCommit) return { diff: '', between: '', truncated: false, note: 'no result yet' };
  const exists = await gitOut(top, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  if (!exists) return { diff: '', between: '', truncated: false, note: 'no result branch yet: tasks are merged into it as they succeed' };
  const diff = (await gitOut(top, ['diff', ...DIFF_FLAGS, run.baseCommit, branch, '--'])) ?? '';
  return { ...cut(diff), between: `${branch} against ${run.baseCommit.slice(0, 10)}`, note: diff ? null : 'no change' };
}
