import type { RunState, TaskState } from '../domain/task-state.js';

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
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface TaskRecord {
  id: string;
  runId: string;
  key: string;
  position: number;
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

export type TaskPatch = Partial<Omit<TaskRecord, 'id' | 'runId' | 'key' | 'position'>>;
export type RunPatch = Partial<Omit<RunRecord, 'id'>>;
