import { UsageError } from '../../domain/errors.js';
import { resolveContext, type ContextOptions } from '../context.js';
import { askSupervisor, resolveTaskId } from '../live-task.js';
import { whoAmI } from '../../orchestrator/control-client.js';

export interface ApproveOptions extends ContextOptions {
  deny?: boolean;
  session?: boolean;
  json?: boolean;
}

/**
 * `mcp approve TASK [ID] [--session | --deny]`: answers what a waiting task asks (Codex's
 * approval request, or a sensitive command task). Who answered, and when, goes to its events.
 */
export async function approveCommand(ref: string, id: string | undefined, options: ApproveOptions): Promise<number> {
  const approvalId = id === undefined ? undefined : Number(id);
  if (approvalId !== undefined && (!Number.isSafeInteger(approvalId) || approvalId < 1)) {
    throw new UsageError(`approval id must be a positive whole number, not ${JSON.stringify(id)}`, 'see `mcp status --waiting` for what waits');
  }
  if (options.deny && options.session) throw new UsageError('--deny and --session contradict each other', 'give one of them');
  const ctx = resolveContext(options);
  const taskId = resolveTaskId(ctx, ref);
  const decision = options.deny ? 'decline' : options.session ? 'accept_for_session' : 'accept';
  const reply = await askSupervisor(ctx, { op: 'approve', task: taskId, ...(approvalId ? { id: approvalId } : {}), decision, by: whoAmI() }, ref);
  if (options.json) process.stdout.write(`${JSON.stringify(reply)}\n`);
  else {
    const verb = options.deny ? 'denied' : options.session ? 'approved for the rest of the session' : 'approved';
    process.stdout.write(`${verb}: approval ${String(reply.id)} of ${taskId}: ${String(reply.command)}\n`);
  }
  return 0;
}
