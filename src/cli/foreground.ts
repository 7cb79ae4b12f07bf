import { sendControl } from '../orchestrator/control-client.js';
import type { TaskChange } from '../orchestrator/run-executor.js';
import type { Supervisor } from '../orchestrator/supervisor.js';
import type { RunState } from '../domain/task-state.js';
import { formatTime, printable } from './render/format.js';

/**
 * Runs runs in this process (the supervisor), printing progress lines, until they end.
 * Ctrl-C stops the tasks (through the socket, like `mcp kill --all`) rather than orphaning them.
 */
export async function superviseInForeground(supervisor: Supervisor, runIds: string[], socketPath: string, out: NodeJS.WritableStream): Promise<RunState[]> {
  supervisor.onTaskChange((change) => out.write(progressLine(change)));
  supervisor.onNotice((notice) => {
    const lines = notice.message.split('\n').map(printable);
    out.write(`${formatTime(new Date().toISOString())}  ${lines.join('\n')}\n`);
  });
  const stopOnSignal = (): void => {
    out.write('mcp: interrupted; stopping tasks\n');
    void sendControl(socketPath, { op: 'kill', target: 'all' });
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const states = await Promise.all(runIds.map((id) => supervisor.runRun(id)));
    await supervisor.idle();
    return states;
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await supervisor.shutdown();
  }
}

function progressLine(change: TaskChange): string {
  const t = change.task;
  const when = formatTime(new Date().toISOString());
  const extra = t.reason ? `  ${printable(t.reason)}` : change.to === 'running' && t.attempts > 1 ? `  attempt ${t.attempts}` : '';
  return `${when}  ${t.key.padEnd(16)} ${change.to}${extra}\n`;
}
