/** Task states (README "Task states"). */
export const TASK_STATES = [
  'pending',
  'ready',
  'running',
  'waiting_approval',
  'waiting_input',
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

const ENDED: readonly TaskState[] = ['succeeded', 'failed', 'killed', 'timed_out'];

/**
 * Every legal move. `pending` waits for its dependencies; `ready` has them and waits for a
 * slot (its workspace is prepared meanwhile); the states with a live process are `running`
 * and the two that wait for a person; `retrying` is the backoff between attempts, with no
 * process; `interrupted` is a task whose supervisor died under it, until it is resumed.
 * `blocked` (a dependency ended badly, the run stalled, or a replan replaced it) and the
 * ended states are final.
 */
const TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  pending: ['ready', 'blocked', 'killed'],
  ready: ['running', 'pending', 'blocked', 'killed', 'failed'],
  running: ['waiting_approval', 'waiting_input', 'retrying', 'interrupted', ...ENDED],
  waiting_approval: ['running', 'waiting_input', 'retrying', 'interrupted', ...ENDED],
  waiting_input: ['running', 'waiting_approval', 'retrying', 'interrupted', ...ENDED],
  retrying: ['ready', 'interrupted', 'killed', 'failed'],
  interrupted: ['ready', 'pending', 'blocked', 'killed', 'failed'],
  succeeded: [],
  failed: [],
  killed: [],
  timed_out: [],
  blocked: [],
};

export function canTransition(from: TaskState, to: TaskState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Nothing will happen to it any more. */
export function isFinalTaskState(state: TaskState): boolean {
  return TRANSITIONS[state].length === 0;
}

export function isFinalRunState(state: RunState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'killed';
}

/** Its process may be alive: kill and crash recovery look for these. */
export function hasLiveProcess(state: TaskState): boolean {
  return state === 'running' || state === 'waiting_approval' || state === 'waiting_input';
}

/** An attempt loop owns it: a live process, or the backoff before the next attempt. */
export function isInFlight(state: TaskState): boolean {
  return hasLiveProcess(state) || state === 'retrying';
}

/** Not started yet (or to be started again after a crash): the scheduler may still run it. */
export function isWaitingToRun(state: TaskState): boolean {
  return state === 'pending' || state === 'ready' || state === 'interrupted';
}

/** A person must act: answer an approval, or give the next message. */
export function isWaitingForPerson(state: TaskState): boolean {
  return state === 'waiting_approval' || state === 'waiting_input';
}

/** A dependency in this state will never succeed: its dependents are blocked. */
export function endedBadly(state: TaskState): boolean {
  return state === 'failed' || state === 'killed' || state === 'timed_out' || state === 'blocked';
}

/**
 * How a run ends once none of its current tasks will change: killed when the user stopped
 * the run, or when nothing failed and what did not succeed was killed (or blocked behind a
 * killed task), since calling that run failed would blame a task that never failed;
 * failed when it stalled or a task failed; succeeded when every task did.
 */
export function endedRunState(tasks: readonly { status: TaskState }[], how: { killRequested?: boolean; stalled?: boolean } = {}): RunState {
  if (how.killRequested) return 'killed';
  if (how.stalled) return 'failed';
  if (tasks.every((t) => t.status === 'succeeded')) return 'succeeded';
  const onlyKilled = tasks.every((t) => t.status === 'succeeded' || t.status === 'killed' || t.status === 'blocked') && tasks.some((t) => t.status === 'killed');
  return onlyKilled ? 'killed' : 'failed';
}
