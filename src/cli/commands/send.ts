import { UsageError } from '../../domain/errors.js';
import { resolveContext, type ContextOptions } from '../context.js';
import { askSupervisor, resolveTaskId } from '../live-task.js';
import { whoAmI } from '../../orchestrator/control-client.js';

export interface SendOptions extends ContextOptions {
  json?: boolean;
}

/** `mcp send TASK "message"`: more guidance for a running Codex session. */
export async function sendCommand(ref: string, text: string, options: SendOptions): Promise<number> {
  if (!text.trim()) throw new UsageError('the message is empty', 'mcp send TASK "what to do next"');
  const ctx = resolveContext(options);
  const taskId = resolveTaskId(ctx, ref);
  const reply = await askSupervisor(ctx, { op: 'send', task: taskId, text, by: whoAmI() }, ref);
  if (options.json) process.stdout.write(`${JSON.stringify(reply)}\n`);
  else process.stdout.write(reply.turn === 'steered' ? `sent to ${taskId}: it joins the turn under way\n` : `sent to ${taskId}: a new turn starts\n`);
  return 0;
}
