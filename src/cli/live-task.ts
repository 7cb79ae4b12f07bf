import { NoSupervisorError, NotFoundError, UsageError } from '../domain/errors.js';
import { sendControl } from '../orchestrator/control-client.js';
import type { ControlReply, ControlRequestInput } from '../orchestrator/control-protocol.js';
import type { McpContext } from './context.js';
import { requireStore } from './open-store.js';

/** A plan key or task id -> the task id, from the store (exit 3 with one line when unknown). */
export function resolveTaskId(ctx: McpContext, ref: string): string {
  const store = requireStore(ctx.root, ref);
  try {
    return store.resolveTask(ref).id;
  } finally {
    store.close();
  }
}

/**
 * Sends a request about a running task to the supervisor and returns its acceptance; a
 * refusal becomes the typed error its code means, with what to do.
 */
export async function askSupervisor(ctx: McpContext, request: ControlRequestInput, ref: string): Promise<Extract<ControlReply, { ok: true }>> {
  const reply = await sendControl(ctx.root.socketPath, request);
  if (!reply) throw new NoSupervisorError(`no supervisor answers for ${ctx.root.dir}`, 'only a live run takes this; `mcp resume` restarts an interrupted one');
  if (reply.ok) return reply;
  if (reply.code === 'not_found') throw new NotFoundError(reply.error, 'run `mcp status` to list task ids');
  throw new UsageError(reply.error, `mcp status ${ref} shows what the task is doing`);
}
