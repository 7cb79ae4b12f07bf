import type { McpEvent } from './events.js';

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').trim();
}

/**
 * The line a task's "last activity" shows for an event (the live view, the dashboard's graph
 * and table), or undefined for an event that changes nothing a person follows. `kind`: a
 * command task's argv is what it does; a Codex session's is long and always the same. The
 * text is raw: each screen makes it safe for itself (control characters, HTML).
 */
export function summarizeEvent(event: McpEvent, kind: 'prompt' | 'command'): string | undefined {
  switch (event.type) {
    case 'started':
      return kind === 'command' && event.argv.length > 0 ? `$ ${event.argv.join(' ')}` : 'Codex started';
    case 'codex.command_started':
      return `$ ${firstLine(event.command)}`;
    case 'codex.command':
      return `$ ${firstLine(event.command)}${event.exitCode !== null && event.exitCode !== 0 ? `  (exit ${event.exitCode})` : ''}`;
    case 'codex.message':
      return firstLine(event.text) || undefined;
    case 'codex.reasoning':
      return 'thinking…';
    case 'codex.file_change': {
      const paths = event.changes.map((c) => c.path).filter(Boolean);
      return paths.length > 0 ? `edited ${paths.join(', ')}` : 'edited files';
    }
    case 'codex.turn_failed':
    case 'codex.error':
    case 'error':
    case 'spawn.refused':
      return `error: ${firstLine(event.message)}`;
    case 'approval.requested':
      return `approval needed: ${firstLine(event.command ?? event.files?.join(', ') ?? event.kind)}`;
    case 'approval.decided':
      return `${event.decision}: ${firstLine(event.command ?? '')}`;
    case 'approval.withdrawn':
      return `approval ${event.id} withdrawn: ${firstLine(event.reason)}`;
    case 'input.waiting':
      return 'waiting for your message';
    case 'input.sent':
      return `message: ${firstLine(event.text)}`;
    case 'codex.warning':
      return `warning: ${firstLine(event.message)}`;
    case 'codex.turn_completed':
      return `turn ${event.status}`;
    case 'resume':
      return 'resuming the Codex session';
    case 'superseded':
      return `replaced by plan v${event.version}`;
    case 'exit':
      return event.exitCode !== null ? `exited ${event.exitCode}` : `ended by ${event.signal ?? 'a signal'}`;
    default:
      return undefined;
  }
}

/** Whether an event is a task's "last activity" (it has a line; `started` has one for either kind). */
export function isActivity(event: McpEvent): boolean {
  return summarizeEvent(event, 'prompt') !== undefined;
}
