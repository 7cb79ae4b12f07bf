/** Task states (README "Task states"). */
export const TASK_STATES = [
  'pending',
  'ready',
  'running',
  'waiting_approval',
  'retrying',
  'succeeded',
  'failed',
  'killed',
  'timed_out',
  'blocked',
  'interrupted',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const RUN_STATES = ['planning', 'running', 'succeeded', 'failed', 'killed'] as const;
export type RunState = (typeof RUN_STATES)[number];

const FINAL_TASK_STATES: ReadonlySet<TaskState> = new Set(['succeeded', 'failed', 'killed', 'timed_out', 'blocked']);

export function isFinalTaskState(state: TaskState): boolean {
  return FINAL_TASK_STATES.has(state);
}

export function isFinalRunState(state: RunState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'killed';
}

/** A task whose process may be alive: kill and crash recovery look for these. */
export function isActiveTaskState(state: TaskState): boolean {
  return state === 'running' || state === 'waiting_approval' || state === 'retrying';
}
