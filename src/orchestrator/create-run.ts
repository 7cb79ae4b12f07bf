import { newRunId, taskIdFor } from '../domain/ids.js';
import type { RunOptions } from '../store/records.js';
import type { NewTask, TaskStore } from '../store/task-store.js';
import type { Plan } from './plan.js';

/**
 * Writes a new run. With a plan its tasks are all pending; without one the run is
 * `planning` until the planner's plan is added with `addPlanVersion`.
 */
export function createRun(store: TaskStore, input: { objective: string; plan: Plan | null; project: string; parallel: number; options: RunOptions }): string {
  const id = newRunId();
  const now = new Date().toISOString();
  store.createRun({
    run: {
      id,
      objective: input.plan?.objective || input.objective,
      status: input.plan ? 'running' : 'planning',
      project: input.project,
      planJson: input.plan ? JSON.stringify(input.plan) : '{}',
      parallel: input.parallel,
      options: input.options,
      createdAt: now,
    },
    tasks: input.plan ? planTasks(id, input.plan, 1, new Set(), 0) : [],
  });
  return id;
}

/** Store records for a plan's tasks; an id already taken (a replan reusing a key) gets `-v<version>`. */
export function planTasks(runId: string, plan: Plan, version: number, takenIds: ReadonlySet<string>, firstPosition: number): NewTask[] {
  const now = new Date().toISOString();
  return plan.tasks.map((task, i) => {
    const plain = taskIdFor(runId, task.id);
    return {
      id: takenIds.has(plain) ? `${plain}-v${version}` : plain,
      runId,
      key: task.id,
      position: firstPosition + i,
      planVersion: version,
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
    };
  });
}
