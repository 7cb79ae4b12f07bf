import type { TaskEvent } from '../../domain/events.js';
import { tail } from '../codex-events.js';
import type { ServerNotification } from './methods.js';

/**
 * The app-server's notifications (codex 0.169.0) as mcp's task events: what a person reads
 * in the live view, `mcp logs --stream events` and the web page. Codex's field names stop
 * here. Deltas, rate limits and status changes are not events worth keeping.
 */
export function notificationEvents(notification: ServerNotification): TaskEvent[] {
  switch (notification.method) {
    case 'turn/started':
      return [{ type: 'codex.turn_started' }];
    case 'turn/completed': {
      const { turn } = notification.params;
      const done: TaskEvent = { type: 'codex.turn_completed', status: turn.status };
      return turn.status === 'failed' ? [{ type: 'codex.turn_failed', message: turn.error?.message ?? 'turn failed' }, done] : [done];
    }
    case 'error':
      return [{ type: 'codex.error', message: notification.params.error.message }];
    case 'warning':
      return [{ type: 'codex.warning', message: notification.params.message }];
    case 'thread/tokenUsage/updated': {
      // Sent after each model response; `last` is that response's, so their sum is the thread's.
      const last = notification.params.tokenUsage.last;
      return [{ type: 'codex.usage', usage: { inputTokens: last.inputTokens, cachedInputTokens: last.cachedInputTokens, outputTokens: last.outputTokens, reasoningTokens: last.reasoningOutputTokens } }];
    }
    case 'item/started': {
      const { item } = notification.params;
      return item.type === 'commandExecution' ? [{ type: 'codex.command_started', command: commandText(item) }] : [];
    }
    case 'item/completed':
      return completedItem(notification.params.item);
    default:
      return [];
  }
}

type Item = Extract<ServerNotification, { method: 'item/completed' }>['params']['item'];

/**
 * What the model asked to run, which is what a person should read: `command` is the shell
 * wrapper Codex runs (/bin/bash -lc '…'), `commandActions` what it wraps.
 */
export function askedCommand(actions: readonly { command: string }[] | null | undefined, command: string | null | undefined): string {
  return actions?.map((a) => a.command).join(' && ') || command || '';
}

function commandText(item: Extract<Item, { type: 'commandExecution' }>): string {
  return askedCommand(item.commandActions, item.command);
}

function completedItem(item: Item): TaskEvent[] {
  switch (item.type) {
    case 'commandExecution': {
      const output = tail(item.aggregatedOutput ?? undefined);
      return [{ type: 'codex.command', command: commandText(item), exitCode: item.exitCode, status: item.status, ...(output !== undefined ? { output } : {}) }];
    }
    case 'fileChange':
      return [{ type: 'codex.file_change', changes: item.changes.map((c) => ({ path: c.path, kind: c.kind.type })), status: item.status }];
    case 'agentMessage':
      return [{ type: 'codex.message', text: item.text }];
    case 'reasoning': {
      const text = (item.summary.length ? item.summary : item.content).join('\n');
      return text ? [{ type: 'codex.reasoning', text }] : [];
    }
    case 'userMessage':
      return [];
    default:
      return [{ type: 'codex.item', itemType: item.type }];
  }
}

/** The text of the turn's last agent message: the task's final message for its dependents. */
export function lastAgentMessage(notification: Extract<ServerNotification, { method: 'turn/completed' }>): string | null {
  const messages = notification.params.turn.items.filter((i): i is Extract<Item, { type: 'agentMessage' }> => i.type === 'agentMessage');
  return messages.at(-1)?.text ?? null;
}
