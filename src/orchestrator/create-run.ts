import { newRunId, taskIdFor } from '../domain/ids.js';
import type { TaskStore } from '../store/task-store.js';
import type { Plan } from './plan.js';

/** Writes a validated plan to the store as a new run whose tasks are all pending. */
export function createRun(store: TaskStore, plan: Plan, options: { project: string; parallel: number }): string {
  const id = newRunId();
  const now = new Date().toISOString();
  store.createRun({
    run: { id, objective: plan.objective, status: 'running', project: options.project, planJson: JSON.stringify(plan), parallel: options.parallel, createdAt: now },
    tasks: plan.tasks.map((task, position) => ({
      id: taskIdFor(id, task.id),
      runId: id,
      key: task.id,
      position,
      title: task.title ?? '',
      kind: task.prompt !== undefined ? 'prompt' : 'command',
      mode: task.mode,
      prompt: task.prompt ?? null,
      command: task.command ?? null,
      dependsOn: task.dependsOn,
      acceptance: task.acceptance ?? null,
      timeoutSeconds: task.timeoutSeconds ?? null,
      status: 'pending',
      workspace: null,
      branch: null,
      updatedAt: now,
    })),
  });
  return id;
}
