import { replanPrompt, type Ledger, type LedgerTask } from '../agents/planner-prompt.js';
import { errorMessage, PlannerError } from '../domain/errors.js';
import type { RunEvent, TaskEvent } from '../domain/events.js';
import { hasLiveProcess } from '../domain/task-state.js';
import type { RunRecord, TaskRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { planTasks } from './create-run.js';
import { readLastMessage } from './task-files.js';
import type { Plan } from './plan.js';
import { askPlanner, type PlannerDeps } from './planner.js';
import type { ReplanResult, TaskOutcome } from './scheduler.js';
import type { RunTasks } from './transitions.js';

export interface ReplannerDeps {
  root: StateRoot;
  store: TaskStore;
  tasks: RunTasks;
  run: () => RunRecord;
  allowList: readonly string[];
  maxReplans: number;
  planner: () => PlannerDeps;
  runEvent: (event: RunEvent) => void;
  taskEvent: (taskId: string, event: TaskEvent) => void;
}

function ledgerTask(task: TaskRecord): LedgerTask {
  return { id: task.key, title: task.title, prompt: task.prompt, command: task.command, dependsOn: task.dependsOn };
}

/**
 * Asks the planner for the remaining work once a task used its attempts. Done and running
 * tasks are kept; the failed task and those not started are superseded by the new plan
 * version. A plan that proposes the failed task again unchanged, or nothing, is a stall.
 */
export async function replan(deps: ReplannerDeps, failed: TaskRecord, outcome: TaskOutcome): Promise<ReplanResult> {
  const run = deps.store.getRun(deps.run().id) ?? deps.run();
  if (run.replans >= deps.maxReplans) {
    if (deps.maxReplans > 0) deps.runEvent({ type: 'replan.exhausted', task: failed.key, maxReplans: deps.maxReplans });
    return { kind: 'none' };
  }
  const current = deps.tasks.current();
  const done = current.filter((t) => t.status === 'succeeded');
  const running = current.filter((t) => hasLiveProcess(t.status) || t.status === 'retrying');
  const notStarted = current.filter((t) => t.id !== failed.id && (t.status === 'pending' || t.status === 'ready' || t.status === 'blocked'));
  const ledger: Ledger = {
    objective: run.objective,
    done: done.map((t) => ({ ...ledgerTask(t), lastMessage: readLastMessage(deps.root, t.id) })),
    running: running.map(ledgerTask),
    failed: { ...ledgerTask(failed), attempts: failed.attempts, reason: failed.reason ?? 'failed', lastError: outcome.lastError ?? null },
    notStarted: notStarted.map(ledgerTask),
  };
  const version = run.planVersion + 1;
  deps.runEvent({ type: 'replan.started', version, failedTask: failed.key });
  const kept = new Set([...done, ...running].map((t) => t.key));
  let plan: Plan;
  try {
    plan = await askPlanner(deps.planner(), replanPrompt(ledger, deps.allowList), deps.root.runFiles(run.id).plannerDir(`replan-${version}`), kept);
  } catch (error) {
    deps.store.updateRun(run.id, { replans: run.replans + 1 });
    deps.runEvent({ type: 'replan.failed', version, message: `replanning failed: ${errorMessage(error)}` });
    if (!(error instanceof PlannerError)) throw error;
    return { kind: 'none' };
  }
  plan.tasks = plan.tasks.filter((t) => !kept.has(t.id));
  const again = plan.tasks.find((t) => t.id === failed.key && t.prompt === (failed.prompt ?? undefined) && JSON.stringify(t.command ?? null) === JSON.stringify(failed.command));
  if (again || plan.tasks.length === 0) {
    const reason = again
      ? `replanning stalled: plan v${version} proposes the failed task ${failed.key} again unchanged`
      : `replanning stalled: plan v${version} has no task for the remaining work`;
    deps.store.updateRun(run.id, { replans: run.replans + 1, reason });
    deps.runEvent({ type: 'replan.stalled', version, message: reason });
    return { kind: 'stalled', reason };
  }
  const now = new Date().toISOString();
  for (const task of [failed, ...notStarted]) {
    const superseded = deps.tasks.update(task, { superseded: true });
    if (superseded.status === 'pending' || superseded.status === 'ready') {
      deps.tasks.transition(superseded, 'blocked', { reason: `replaced by plan v${version}`, endedAt: now });
    }
    deps.taskEvent(task.id, { type: 'superseded', version });
  }
  const records = planTasks(run.id, plan, version, new Set(deps.tasks.ids()), deps.tasks.size);
  const combined = {
    objective: run.objective,
    tasks: [...done, ...running].map(ledgerTask).concat(plan.tasks.map((t) => ({ id: t.id, title: t.title ?? '', prompt: t.prompt ?? null, command: t.command ?? null, dependsOn: t.dependsOn }))),
  };
  deps.store.addTasks(run.id, records, { planVersion: version, replans: run.replans + 1, planJson: JSON.stringify(combined) });
  const added = records.map((r) => deps.store.getTask(r.id)).filter((t): t is TaskRecord => t !== undefined);
  deps.tasks.adopt(added);
  deps.runEvent({ type: 'replan', version, tasks: plan.tasks.map((t) => t.id) });
  return { kind: 'replanned', added };
}
