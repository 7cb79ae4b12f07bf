import { resolveContext, type ContextOptions } from '../context.js';
import { askSupervisor, resolveTaskId } from '../live-task.js';
import { whoAmI } from '../../orchestrator/control-client.js';

export interface DoneOptions extends ContextOptions {
  json?: boolean;
}

/** `mcp done TASK`: ends a Codex session that waits for input; the task succeeds with its work. */
export async function doneCommand(ref: string, options: DoneOptions): Promise<number> {
  const ctx = resolveContext(options);
  const taskId = resolveTaskId(ctx, ref);
  const reply = await askSupervisor(ctx, { op: 'done', task: taskId, by: whoAmI() }, ref);
  if (options.json) process.stdout.write(`${JSON.stringify(reply)}\n`);
  else process.stdout.write(`${taskId} ends; its work is committed like any task's\n`);
  return 0;
}
