import type { RunEvent } from '../../domain/events.js';
import { formatTime, printable } from './format.js';

/**
 * The line a person reads for a run-level event, or null for events that are for the
 * record only. `planText` gives the plan of a version, as `describePlan` shows it.
 */
export function runNewsText(event: RunEvent, planText: (version: number) => string | null): string | null {
  switch (event.type) {
    case 'planning':
      return `planning: ${event.objective.slice(0, 120)}`;
    case 'planned':
      return planText(event.version) ?? `plan v${event.version}: ${event.tasks.join(', ')}`;
    case 'planner.notice':
      return `planner: ${event.message}`;
    case 'planning.failed':
    case 'replan.failed':
    case 'replan.stalled':
      return event.message;
    case 'planning.stopped':
      return 'planning stopped: killed by user';
    case 'replan.started':
      return `replanning after ${event.failedTask} failed (plan v${event.version})`;
    case 'replan':
      return `plan v${event.version}: ${event.tasks.join(', ')}`;
    case 'replan.exhausted':
      return `no replan left (${event.maxReplans} used); ${event.task} stays failed`;
    case 'merge.conflict':
      return `merging ${event.task} conflicts in ${event.files.join(', ')}; a Codex task resolves it${event.resolver ? ` (${event.resolver})` : ''}`;
    case 'merged':
      return event.task ? null : `result on branch ${event.branch}`;
    case 'patched':
      return `result as a patch: ${event.patch}`;
    default:
      return null;
  }
}

/** A run-level line as printed, `mcp run`'s and `mcp logs RUN`'s alike: its time, then its text (a plan spans lines). */
export function newsLine(at: string, text: string): string {
  return `${formatTime(at)}  ${text.split('\n').map(printable).join('\n')}\n`;
}
