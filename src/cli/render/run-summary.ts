import type { RunView } from '../../store/views.js';
import { formatDuration, formatTime, printable, table } from './format.js';

/** Reasons are cut in tables; `mcp status TASK` shows them whole. */
const REASON_COLUMN_CHARS = 100;

export function renderRun(run: RunView, options: { logsDir?: (taskId: string) => string } = {}): string {
  const counts = Object.entries(run.counts)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  const header = [
    `run ${run.id}  ${run.status}  plan v${run.planVersion}  ${formatDuration(run.durationMs)}  (${counts})`,
    ...(run.objective ? [`objective: ${printable(run.objective).slice(0, 200)}`] : []),
    ...(run.reason ? [`reason: ${printable(run.reason)}`] : []),
    ...(run.resultBranch ? [`result: branch ${run.resultBranch} (mcp merge ${run.id} to bring it into your branch)`] : []),
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
  const lines = [...header, table(rows)];
  if (options.logsDir && run.tasks[0]) lines.push(`logs: ${options.logsDir('<task>')}/{stdout.log,stderr.log,events.ndjson,last-message.md}`);
  return lines.join('\n');
}
