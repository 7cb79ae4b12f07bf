import { isInFlight } from '../domain/task-state.js';
import type { TaskRecord } from '../store/records.js';
import { isSameProcess, signalGroup } from '../terminal/process-info.js';

/** How often a stopping process group is looked at during the grace period. */
const POLL_MS = 100;

/**
 * Stops the recorded process groups of tasks whose supervisor is not there to do it:
 * SIGTERM, then SIGKILL after the grace period. Only a process whose PID and start time
 * still match the record is signalled, so a reused PID is never hit. Returns the PIDs stopped.
 */
export async function stopRecordedProcesses(tasks: readonly TaskRecord[], graceMs: number): Promise<number[]> {
  const live = tasks.filter((t) => t.pid !== null && isInFlight(t.status) && isSameProcess(t.pid, t.pidStart));
  for (const task of live) signalGroup(task.pid as number, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (live.some((t) => isSameProcess(t.pid as number, t.pidStart)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  for (const task of live) if (isSameProcess(task.pid as number, task.pidStart)) signalGroup(task.pid as number, 'SIGKILL');
  return live.map((t) => t.pid as number);
}
