import { NoSupervisorError, NotFoundError, TaskStateError, UsageError } from '../domain/errors.js';
import { isFinalTaskState, type TaskState } from '../domain/task-state.js';
import { sendControl } from '../orchestrator/control-client.js';
import type { ControlReply, ControlRequestInput, RefusalCode } from '../orchestrator/control-protocol.js';
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

/** What each request needs the task to be doing, said as its refusal says it. */
const NOT_IN_STATE: Partial<Record<ControlRequestInput['op'], string>> = {
  approve: 'is not waiting for an approval',
  done: 'is not waiting for a message',
  send: 'is not running',
};

/** Refusals that mean the task is not in the state the request acts on: nothing to do. */
const STATE_REFUSALS: ReadonlySet<RefusalCode> = new Set(['not_waiting', 'not_running', 'too_late']);

/**
 * Sends a request about a running task to the supervisor and returns its acceptance; a
 * refusal becomes the typed error its code means, with what to do. A task not in the state
 * the request acts on (an approval answered already, a task that ended) is a TaskStateError
 * naming the task's state, with or without a supervisor to ask: exit 1, not a usage error.
 */
export async function askSupervisor(ctx: McpContext, request: ControlRequestInput & { task: string }, ref: string): Promise<Extract<ControlReply, { ok: true }>> {
  const reply = await sendControl(ctx.root.socketPath, request);
  if (reply?.ok) return reply;
  if (reply?.code === 'not_found') throw new NotFoundError(reply.error, 'run `mcp status` to list task ids');
  if (!reply || STATE_REFUSALS.has(reply.code)) {
    const state = taskState(ctx, request.task, ref);
    const hint = `mcp status ${ref} shows what the task is doing${request.op === 'approve' ? `, mcp logs ${ref} how its questions were answered` : ''}`;
    if (reply?.code === 'too_late') throw new TaskStateError(`${reply.error}; task ${request.task} is ${state ?? 'gone'}`, hint);
    // Without a supervisor, an ended task is still only not in that state; one that has not ended waits for mcp resume.
    if (reply || state === undefined || isFinalTaskState(state)) throw new TaskStateError(`task ${request.task} ${NOT_IN_STATE[request.op] ?? 'is not running'}: it is ${state ?? 'gone'}`, hint);
  }
  if (!reply) throw new NoSupervisorError(`no supervisor answers for ${ctx.root.dir}`, 'only a live run takes this; `mcp resume` restarts an interrupted one');
  throw new UsageError(reply.error, `mcp status ${ref} shows what the task is doing`);
}

function taskState(ctx: McpContext, taskId: string, ref: string): TaskState | undefined {
  const store = requireStore(ctx.root, ref);
  try {
    return store.getTask(taskId)?.status;
  } finally {
    store.close();
  }
}
