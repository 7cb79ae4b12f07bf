/** A task key in a plan; short enough that `<runId>-<key>` fits the task id pattern. */
export const TASK_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,47}$/;
/** The longest key TASK_KEY_PATTERN takes. */
export const MAX_TASK_KEY_LENGTH = 48;
/** A task id in the state root. Also a git branch and directory name. */
export const TASK_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const RUN_ID_PATTERN = /^r[a-z0-9]{8}$/;

/**
 * Run ids sort by creation time (base-36 milliseconds) and stay unique within a millisecond.
 * The suffix only separates runs started in the same millisecond, so Math.random does: it
 * spares every command loading node:crypto (twenty modules) through this file.
 */
export function newRunId(now = Date.now()): string {
  const time = now.toString(36).slice(-6).padStart(6, '0');
  const random = Math.floor(Math.random() * 36 * 36).toString(36).padStart(2, '0');
  return `r${time}${random}`;
}

export function taskIdFor(runId: string, key: string): string {
  return `${runId}-${key}`;
}

/** The run a task id belongs to: run ids hold no `-`. */
export function runIdOfTask(taskId: string): string {
  const dash = taskId.indexOf('-');
  return dash < 0 ? taskId : taskId.slice(0, dash);
}
