import os from 'node:os';
import { NoSupervisorError, UsageError } from '../../domain/errors.js';
import { sendControl } from '../../orchestrator/control-client.js';
import { resolveContext, type ContextOptions } from '../context.js';
import { requireStore } from '../open-store.js';

export interface ApproveOptions extends ContextOptions {
  deny?: boolean;
  json?: boolean;
}

/** `mcp approve TASK [ID] [--deny]`: answers Codex's own approval prompt in a waiting task. */
export async function approveCommand(ref: string, id: string | undefined, options: ApproveOptions): Promise<number> {
  const approvalId = id === undefined ? undefined : Number(id);
  if (approvalId !== undefined && (!Number.isSafeInteger(approvalId) || approvalId < 1)) {
    throw new UsageError(`approval id must be a positive whole number, not ${JSON.stringify(id)}`, 'see `mcp status TASK` for the pending approval');
  }
  const ctx = resolveContext(options);
  const store = requireStore(ctx.root, ref);
  let taskId: string;
  try {
    taskId = store.resolveTask(ref).id;
  } finally {
    store.close();
  }
  const by = { user: os.userInfo().username, uid: process.getuid?.() ?? null, pid: process.pid };
  const reply = await sendControl(ctx.root.socketPath, { op: 'approve', task: taskId, ...(approvalId ? { id: approvalId } : {}), approve: !options.deny, by });
  if (!reply) throw new NoSupervisorError(`no supervisor answers for ${ctx.root.dir}`, 'approvals go to a live run; `mcp resume` restarts an interrupted one');
  if (!reply.ok) throw new UsageError(String(reply.error), `mcp status ${ref} shows what the task is doing`);
  if (options.json) process.stdout.write(`${JSON.stringify(reply)}\n`);
  else process.stdout.write(`${options.deny ? 'denied' : 'approved'} approval ${String(reply.id)} of ${taskId}: $ ${String(reply.command)}\n`);
  return 0;
}
