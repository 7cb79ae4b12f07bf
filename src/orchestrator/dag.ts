import { endedBadly, isWaitingToRun, type TaskState } from '../domain/task-state.js';

interface DagTask {
  key: string;
  status: TaskState;
  dependsOn: readonly string[];
}

/**
 * Tasks that can never run because a dependency ended badly, each with the reason.
 * Follows chains to the end: if a fails, both b (on a) and c (on b) are returned.
 */
export function tasksToBlock<T extends DagTask>(tasks: readonly T[]): { task: T; reason: string }[] {
  const status = new Map(tasks.map((t) => [t.key, t.status]));
  const out: { task: T; reason: string }[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (const task of tasks) {
      const current = status.get(task.key);
      if (current === undefined || !isWaitingToRun(current)) continue;
      const bad = task.dependsOn.find((k) => {
        const dependency = status.get(k);
        return dependency !== undefined && endedBadly(dependency);
      });
      if (bad === undefined) continue;
      status.set(task.key, 'blocked');
      out.push({ task, reason: `dependency ${bad} ${String(status.get(bad)).replace('_', ' ')}` });
      changed = true;
    }
  }
  return out;
}
