import type { Plan } from '../orchestrator/plan.js';
import type { TaskStore } from '../store/task-store.js';
import { describePlan } from './render/plan.js';

/** The plan of a run as the store holds it, described; null when it is not there. */
export function planText(store: TaskStore | undefined, runId: string, version: number): string | null {
  const json = store?.getRun(runId)?.planJson;
  if (!json || json === '{}') return null;
  try {
    return describePlan(JSON.parse(json) as Plan, version);
  } catch {
    return null;
  }
}
