import type { StoredEvent } from '../wire.js';

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').trim();
}

/** One line for what a task did last (as the terminal table's "last activity"). */
export function describe(event: StoredEvent | null): string {
  if (!event) return '';
  switch (event.type) {
    case 'started':
      return event.argv.length > 0 && !/codex$/.test(event.argv[0] ?? '') ? `$ ${event.argv.join(' ')}` : `attempt ${event.attempt} started`;
    case 'codex.command_started':
      return `$ ${firstLine(event.command)}`;
    case 'codex.command':
      return `$ ${firstLine(event.command)}${event.exitCode !== null && event.exitCode !== 0 ? ` (exit ${event.exitCode})` : ''}`;
    case 'codex.message':
      return firstLine(event.text);
    case 'codex.reasoning':
      return 'thinking…';
    case 'codex.file_change':
      return `edited ${event.changes.map((c) => c.path).join(', ')}`;
    case 'codex.turn_failed':
    case 'codex.error':
    case 'error':
    case 'spawn.refused':
      return `error: ${firstLine(event.message)}`;
    case 'approval.requested':
      return `approval needed: ${firstLine(event.command ?? event.files?.join(', ') ?? event.kind)}`;
    case 'approval.decided':
      return `${event.decision}: ${firstLine(event.command ?? '')}`;
    case 'input.waiting':
      return 'waiting for your message';
    case 'input.sent':
      return `message: ${firstLine(event.text)}`;
    case 'resume':
      return 'resuming the Codex session';
    case 'exit':
      return event.exitCode !== null ? `exited ${event.exitCode}` : `ended by ${event.signal ?? 'a signal'}`;
    case 'codex.turn_completed':
      return `turn ${event.status}`;
    case 'superseded':
      return `replaced by plan v${event.version}`;
    default:
      return event.type;
  }
}
