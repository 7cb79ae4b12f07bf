import { errorMessage, McpError } from '../../domain/errors.js';
import type { PersonDecision } from '../../domain/events.js';
import { applyRunResult } from '../../orchestrator/apply-result.js';
import { sendControl, whoAmI } from '../../orchestrator/control-client.js';
import type { ControlReply } from '../../orchestrator/control-protocol.js';
import { describeKill, killTarget, type KillTarget } from '../../orchestrator/kill.js';
import type { StateRoot } from '../../store/state-root.js';
import type { TaskStore } from '../../store/task-store.js';
import type { ActionReply } from '../wire.js';

/**
 * The page's buttons, each through the same call as its CLI command: approve and send over
 * the supervisor's socket (`mcp approve`), kill through killTarget (`mcp kill`, which falls
 * back to recorded PIDs), merge through applyRunResult (`mcp merge`). Every decision made
 * here is recorded as coming from the page (`via: 'ui'`).
 */

const NO_SUPERVISOR = 'no supervisor answers for this state root: the run is not live (`mcp resume` restarts an interrupted one)';

function fromReply(reply: ControlReply | null, done: (reply: ControlReply & { ok: true }) => string): ActionReply {
  if (!reply) return { ok: false, message: NO_SUPERVISOR };
  if (!reply.ok) return { ok: false, message: `the supervisor answered: ${reply.error}`, reply };
  return { ok: true, message: done(reply), reply };
}

export async function approve(root: StateRoot, taskId: string, id: number | undefined, decision: PersonDecision): Promise<ActionReply> {
  const reply = await sendControl(root.socketPath, { op: 'approve', task: taskId, ...(id ? { id } : {}), decision, by: whoAmI(), via: 'ui' });
  const how = decision === 'accept_for_session' ? ' for the rest of the session' : '';
  return fromReply(reply, (r) => `${decision === 'decline' ? 'denied' : 'approved'} approval ${String(r.id)}${how}: ${String(r.command)}`);
}

/** Adds a message to a running Codex task (`mcp send`): it joins the turn under way, or starts the next. */
export async function send(root: StateRoot, taskId: string, text: string): Promise<ActionReply> {
  const reply = await sendControl(root.socketPath, { op: 'send', task: taskId, text, by: whoAmI(), via: 'ui' });
  return fromReply(reply, (r) => (r.turn === 'steered' ? 'message sent: it joins the turn under way' : 'message sent: a new turn starts'));
}

/** Ends a Codex session that waits for its next message (`mcp done`). */
export async function done(root: StateRoot, taskId: string): Promise<ActionReply> {
  const reply = await sendControl(root.socketPath, { op: 'done', task: taskId, by: whoAmI(), via: 'ui' });
  return fromReply(reply, () => 'the session ends; its work is committed');
}

export async function kill(root: StateRoot, store: TaskStore, target: KillTarget, graceMs: number): Promise<ActionReply> {
  try {
    const result = await killTarget(root, store, target, graceMs);
    return { ok: true, message: describeKill(result), reply: result };
  } catch (error) {
    return { ok: false, message: withHint(error) };
  }
}

export async function merge(root: StateRoot, store: TaskStore, runId: string): Promise<ActionReply> {
  try {
    return { ok: true, message: await applyRunResult(store.resolveRun(runId), root) };
  } catch (error) {
    return { ok: false, message: withHint(error) };
  }
}

export async function supervisorPing(root: StateRoot): Promise<{ live: boolean; pid: number | null }> {
  const reply = await sendControl(root.socketPath, { op: 'ping' }, 1_000);
  return reply?.ok ? { live: true, pid: typeof reply.pid === 'number' ? reply.pid : null } : { live: false, pid: null };
}

function withHint(error: unknown): string {
  return error instanceof McpError && error.hint ? `${error.message} (${error.hint})` : errorMessage(error);
}
