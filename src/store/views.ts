import type { RunRecord, TaskSummary } from './records.js';
import type { TaskStore } from './task-store.js';

/** The documented shape of `mcp status --json` and of `store/snapshot.json`. */
export interface TaskView {
  id: string;
  key: string;
  title: string;
  kind: 'prompt' | 'command';
  mode: 'exec' | 'interactive';
  status: string;
  attempts: number;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  dependsOn: string[];
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  workspace: string | null;
  branch: string | null;
  sessionId: string | null;
  pid: number | null;
  planVersion: number;
  /** Replaced by a later plan version (kept for the record). */
  superseded: boolean;
}

export interface RunView {
  id: string;
  objective: string;
  status: string;
  project: string;
  planVersion: number;
  replans: number;
  parallel: number;
  reason: string | null;
  resultBranch: string | null;
  resultSummary: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  counts: Record<string, number>;
  tasks: TaskView[];
}

export function durationMs(startedAt: string | null, endedAt: string | null, now = Date.now()): number | null {
  if (!startedAt) return null;
  const end = endedAt ? Date.parse(endedAt) : now;
  return Math.max(0, end - Date.parse(startedAt));
}

export function taskView(task: TaskSummary): TaskView {
  return {
    id: task.id,
    key: task.key,
    title: task.title,
    kind: task.kind,
    mode: task.mode,
    status: task.status,
    attempts: task.attempts,
    exitCode: task.exitCode,
    signal: task.signal,
    reason: task.reason,
    dependsOn: task.dependsOn,
    startedAt: task.startedAt,
    endedAt: task.endedAt,
    durationMs: durationMs(task.startedAt, task.endedAt),
    workspace: task.workspace,
    branch: task.branch,
    sessionId: task.sessionId,
    pid: task.pid,
    planVersion: task.planVersion,
    superseded: task.superseded,
  };
}

export function runView(run: RunRecord, tasks: TaskSummary[]): RunView {
  const counts: Record<string, number> = {};
  for (const task of tasks) if (!task.superseded) counts[task.status] = (counts[task.status] ?? 0) + 1;
  return {
    id: run.id,
    objective: run.objective,
    status: run.status,
    project: run.project,
    planVersion: run.planVersion,
    replans: run.replans,
    parallel: run.parallel,
    reason: run.reason,
    resultBranch: run.resultBranch,
    resultSummary: run.resultSummary,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationMs: durationMs(run.startedAt, run.endedAt),
    counts,
    tasks: tasks.map(taskView),
  };
}

export function allRunViews(store: TaskStore): RunView[] {
  const byRun = new Map<string, TaskSummary[]>();
  for (const task of store.taskSummaries()) {
    const list = byRun.get(task.runId) ?? [];
    list.push(task);
    byRun.set(task.runId, list);
  }
  return store.listRuns().map((run) => runView(run, byRun.get(run.id) ?? []));
}
