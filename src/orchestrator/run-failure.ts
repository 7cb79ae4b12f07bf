import { plural } from '../domain/plural.js';
import type { TaskRecord } from '../store/records.js';

/** How a task that ended badly is named in its run's reason. */
const ENDED_AS: Partial<Record<TaskRecord['status'], string>> = { failed: 'failed', timed_out: 'timed out', killed: 'was killed' };

/**
 * Why a run whose tasks did not all succeed failed, when nothing stalled it: the first task
 * that ended badly and how, how many others did, and a replan that could not be made. The run
 * records it, so `mcp status` and `--json` say it and not only the live lines did.
 */
export function runFailureReason(tasks: readonly TaskRecord[], replanFailure: string | null): string | null {
  const bad = tasks.filter((t) => ENDED_AS[t.status] !== undefined).sort((a, b) => a.position - b.position);
  const first = bad[0];
  if (!first) return replanFailure;
  const how = `${first.key} ${ENDED_AS[first.status]}${first.reason ? ` (${first.reason})` : ''}`;
  const others = bad.length > 1 ? `, and ${plural(bad.length - 1, 'other task')}` : '';
  return [`${how}${others}`, replanFailure].filter((part) => part !== null).join('; ');
}
