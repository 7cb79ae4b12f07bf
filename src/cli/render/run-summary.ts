import { supervisorGoneLine } from '../../orchestrator/run-supervisor.js';
import type { RunView } from '../../store/views.js';
import { colorEnabled, statePainter } from './color.js';
import { formatDuration, formatTime, printable, table } from './format.js';

/** Reasons are cut in tables; `mcp status TASK` shows them whole. */
const REASON_COLUMN_CHARS = 100;

export interface RenderRunOptions {
  logsDir?: (taskId: string) => string;
  /** Color states; by default when stdout takes colors (a TTY, NO_COLOR and FORCE_COLOR honoured). */
  color?: boolean;
  /** Shown under the table when `run.tasks` is empty although the run has tasks (a filter hid them). */
  emptyNote?: string;
  /** The run's result branch is in the project's current branch already: no merge to offer. */
  resultMerged?: boolean;
}

export function renderRun(run: RunView, options: RenderRunOptions = {}): string {
  const paint = statePainter(options.color ?? colorEnabled(process.stdout));
  const counts = Object.entries(run.counts)
    .map(([state, n]) => `${n} ${paint(state)}`)
    .join(', ');
  const header = [
    `run ${run.id}  ${paint(run.status)}  plan v${run.planVersion}  ${formatDuration(run.durationMs)}  (${counts})`,
    ...(run.objective ? [`objective: ${printable(run.objective).slice(0, 200)}`] : []),
    ...(run.reason ? [`reason: ${printable(run.reason)}`] : []),
    ...(run.supervisor === 'gone' ? [supervisorGoneLine(run.id)] : []),
    ...(run.resultBranch ? [`result: branch ${run.resultBranch} (${options.resultMerged ? 'merged into your branch' : `mcp merge ${run.id} to bring it into your branch`})`] : []),
    ...(run.resultSummary ? run.resultSummary.split('\n').map((l) => `  ${printable(l.trim())}`) : []),
  ];
  const rows = [['TASK', 'STATE', 'TRIES', 'START', 'TIME', 'EXIT', 'REASON']];
  for (const task of run.tasks) {
    const exit = task.exitCode !== null ? String(task.exitCode) : (task.signal ?? '-');
    const reason = task.reason ? printable(task.reason) : '';
    rows.push([
      task.id,
      task.superseded ? `${task.status} (replaced in v${run.planVersion})` : task.status,
      String(task.attempts),
      formatTime(task.startedAt),
      formatDuration(task.durationMs),
      exit,
      reason.length > REASON_COLUMN_CHARS ? `${reason.slice(0, REASON_COLUMN_CHARS - 1)}…` : reason,
    ]);
  }
  // Replaced tasks are history: their state is not painted, so it does not read as news.
  const lines =
    run.tasks.length === 0 && options.emptyNote
      ? [...header, options.emptyNote]
      : [...header, table(rows, (cell, r, column) => (column === 1 && r > 0 && !run.tasks[r - 1]?.superseded ? paint(run.tasks[r - 1]?.status ?? '', cell) : cell))];
  if (options.logsDir && run.tasks[0]) lines.push(`logs: ${options.logsDir('<task>')}/{stdout.log,stderr.log,events.ndjson,last-message.md}`);
  return lines.join('\n');
}
