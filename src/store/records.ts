import type { RunState, TaskState } from '../domain/task-state.js';

/** How a run behaves; stored with it so a resumed run behaves the same. */
export interface RunOptions {
  /** Attempts per task, the first included. */
  maxAttempts?: number;
  maxReplans?: number;
  taskTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** First retry delay; doubled at each further attempt. */
  backoffMs?: number;
}

export interface RunRecord {
  id: string;
  objective: string;
  status: RunState;
  project: string;
  planJson: string;
  planVersion: number;
  parallel: number;
  reason: string | null;
  supervisorPid: number | null;
  /**
   * The supervisor's process start time (from /proc, as its lock records it), so a later
   * process given the same PID is not taken for it; null in runs of stores before it was kept.
   */
  supervisorStart: string | null;
  /** The commit every first task started from (git projects). */
  baseCommit: string | null;
  /** `mcp/run-<id>` once task branches were merged, or the run patch outside git. */
  resultBranch: string | null;
  /** `git diff --stat` of the result against the base. */
  resultSummary: string | null;
  replans: number;
  options: RunOptions;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface TaskRecord {
  id: string;
  runId: string;
  key: string;
  position: number;
  /** The plan version that created this task (1, then one more per replan). */
  planVersion: number;
  /** Replaced by a later plan version; no longer counts for the run's outcome. */
  superseded: boolean;
  title: string;
  kind: 'prompt' | 'command';
  mode: 'exec' | 'interactive';
  prompt: string | null;
  command: string[] | null;
  dependsOn: string[];
  acceptance: string | null;
  timeoutSeconds: number | null;
  status: TaskState;
  attempts: number;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  pid: number | null;
  /** Process start time (from /proc) so a recycled PID is never mistaken for our child. */
  pidStart: string | null;
  sessionId: string | null;
  workspace: string | null;
  branch: string | null;
  startedAt: string | null;
  endedAt: string | null;
  updatedAt: string;
}

export type TaskPatch = Partial<Omit<TaskRecord, 'id' | 'runId' | 'key' | 'position' | 'planVersion'>>;
export type RunPatch = Partial<Omit<RunRecord, 'id'>>;

/** The fields status views show: no prompt or command, which can be large. */
export type TaskSummary = Pick<
  TaskRecord,
  | 'id' | 'runId' | 'key' | 'title' | 'kind' | 'mode' | 'status' | 'attempts' | 'exitCode' | 'signal' | 'reason' | 'dependsOn'
  | 'startedAt' | 'endedAt' | 'updatedAt' | 'workspace' | 'branch' | 'sessionId' | 'pid' | 'planVersion' | 'superseded'
>;
