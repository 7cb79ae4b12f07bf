import { openApprovalIds } from '../domain/open-approvals.js';
import type { StateRoot } from '../store/state-root.js';
import { EventTail } from '../terminal/event-tail.js';
import type { TaskEventSink } from './transitions.js';

/** Why an attempt's open questions are withdrawn when mcp stops it. */
export function stoppedBecause(reason: 'killed' | 'timed_out'): string {
  return reason === 'killed' ? 'the task was killed' : 'the task timed out';
}

/** Why a question is withdrawn when the supervisor that held it died (kill -9, a reboot). */
export const SUPERVISOR_STOPPED = 'the supervisor stopped (a crash, kill -9 or a reboot) before it was answered';

/**
 * Closes in the record the questions a task's events leave open, when no ApprovalDesk is
 * there to do it: its supervisor died with them (recovery), or the task is stopped by PID.
 * Each gets an `approval.withdrawn` event, as the desk writes, so every question ends
 * answered or withdrawn. Returns the ids withdrawn.
 */
export function withdrawOpenApprovals(root: StateRoot, appendEvent: TaskEventSink, taskId: string, reason: string): number[] {
  const open = openApprovalIds(new EventTail(root.taskFiles(taskId).events).readAll());
  for (const id of open) appendEvent(taskId, { type: 'approval.withdrawn', id, reason });
  return open;
}
