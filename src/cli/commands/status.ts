import { resolveContext, type ContextOptions } from '../../orchestrator/workspace-context.js';
import { allRunViews, runView, taskView, type RunView } from '../../store/views.js';
import { formatDuration, printable } from '../render/format.js';
import { renderRun } from '../render/run-summary.js';
import { openExistingStore, requireStore, resolveRef } from '../open-store.js';

export interface StatusOptions extends ContextOptions {
  json?: boolean;
}

export function statusCommand(ref: string | undefined, options: StatusOptions): number {
  const ctx = resolveContext(options);
  const store = ref ? requireStore(ctx.root, ref) : openExistingStore(ctx.root);
  try {
    let runs: RunView[] = [];
    let taskId: string | undefined;
    if (store && ref) {
      const target = resolveRef(store, ref);
      taskId = target.taskId;
      const run = store.resolveRun(target.runId);
      const view = runView(run, store.tasksOf(run.id));
      runs = [taskId ? { ...view, tasks: view.tasks.filter((t) => t.id === taskId) } : view];
    } else if (store) {
      runs = allRunViews(store);
    }
    if (options.json) {
      // Indented for a person at a terminal; compact for programs (a 10,000-task state root
      // is megabytes of JSON, and indenting it costs more than reading it).
      process.stdout.write(`${JSON.stringify({ stateRoot: ctx.root.dir, runs }, null, process.stdout.isTTY ? 2 : undefined)}\n`);
      return 0;
    }
    if (runs.length === 0) {
      process.stdout.write(`no runs in ${ctx.root.dir}\n`);
      return 0;
    }
    const task = taskId ? store?.getTask(taskId) : undefined;
    if (task) {
      const view = taskView(task);
      const rows: [string, string][] = [
        ['task', view.id],
        ['run', task.runId],
        ['title', printable(view.title)],
        ['kind', view.kind === 'command' ? `command: ${(task.command ?? []).join(' ')}` : `codex ${view.mode}`],
        ['state', view.status],
        ['attempts', String(view.attempts)],
        ['depends on', view.dependsOn.join(', ') || '-'],
        ['started', view.startedAt ?? '-'],
        ['ended', view.endedAt ?? '-'],
        ['duration', formatDuration(view.durationMs)],
        ['exit', view.exitCode !== null ? String(view.exitCode) : (view.signal ?? '-')],
        ['reason', view.reason ? printable(view.reason) : '-'],
        ['session', view.sessionId ?? '-'],
        ['pid', view.pid !== null ? String(view.pid) : '-'],
        ['workspace', view.workspace ?? '-'],
        ['branch', view.branch ?? '-'],
        ['logs', ctx.root.taskDir(view.id)],
      ];
      process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(11)}${v}`).join('\n')}\n`);
      return 0;
    }
    process.stdout.write(`${runs.map((run) => renderRun(run)).join('\n\n')}\n`);
    return 0;
  } finally {
    store?.close();
  }
}
