import type { Decider, StoredEvent } from '../../domain/events.js';
import { stripAnsi } from '../../terminal/strip-ansi.js';
import { formatTime } from './format.js';

/** Continuation lines sit under the text of the first, past `HH:MM:SS  `. */
const INDENT = ' '.repeat(10);

/** Tabs and newlines stay; any other control character (after escapes are gone) becomes a space. */
function readable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return stripAnsi(text).replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ').trimEnd();
}

function block(time: string, head: string, body = ''): string {
  return `${time}  ${readable(head).replace(/\n/g, `\n${INDENT}`)}\n${indented(body)}`;
}

function indented(body: string): string {
  const shown = readable(body);
  return shown ? `${shown.split('\n').map((line) => `${INDENT}${line}`.trimEnd()).join('\n')}\n` : '';
}

/** Why mcp stopped a process, first: a Codex app-server that mcp killed still exits 0. */
const STOPPED: Record<string, string> = {
  killed: 'killed',
  timed_out: 'timed out',
  idle: 'stopped: no output for too long',
  log_failed: 'stopped: its log could not be written',
};

function signalOrCode(exitCode: number | null, signal: string | null): string {
  return exitCode !== null ? `exited ${exitCode}` : `ended by ${signal ?? 'a signal'}`;
}

/**
 * A task's events as a person reads them: what Codex said, the commands it ran with their
 * output, the files it edited, the questions it asked and who answered, each attempt's end.
 * A Codex task's terminal prints nothing (it runs `codex app-server`), so this is what
 * `mcp logs TASK` shows of it. One instance per log: a command's start and its end are
 * usually consecutive, and then the command line is shown once.
 */
export class TranscriptRenderer {
  private openCommand: string | null = null;

  constructor(private readonly kind: 'prompt' | 'command') {}

  render(event: StoredEvent): string {
    const text = this.text(event);
    if (event.type !== 'codex.command_started') this.openCommand = null;
    return text;
  }

  private text(event: StoredEvent): string {
    const time = formatTime(event.ts);
    switch (event.type) {
      case 'started':
        return block(time, `attempt ${event.attempt} started${this.kind === 'command' && event.argv.length > 0 ? `: $ ${event.argv.join(' ')}` : ''}`);
      case 'codex.session':
        return block(time, `Codex session ${event.sessionId}`);
      case 'codex.message':
        return block(time, event.text);
      case 'codex.reasoning':
        return event.text.trim() ? block(time, `(thinking) ${event.text}`) : '';
      case 'codex.command_started':
        this.openCommand = event.command;
        return block(time, `$ ${event.command}`);
      case 'codex.command': {
        const end = event.exitCode === null ? `(${event.status ?? 'no exit code'})` : event.exitCode === 0 ? '' : `(exit ${event.exitCode})`;
        const head = this.openCommand === event.command ? '' : `$ ${event.command}`;
        const body = [event.output ?? '', end].map((part) => part.trimEnd()).filter(Boolean).join('\n');
        return head ? block(time, head, body) : indented(body);
      }
      case 'codex.file_change':
        return block(time, event.changes.length > 0 ? `edited ${event.changes.map((c) => (c.kind && c.kind !== 'update' ? `${c.path} (${c.kind})` : c.path)).join(', ')}` : 'edited files');
      case 'codex.turn_completed':
        return block(time, `turn ${event.status}`);
      case 'codex.turn_failed':
      case 'codex.error':
      case 'error':
      case 'spawn.refused':
        return block(time, `error: ${event.message}`);
      case 'codex.warning':
        return block(time, `warning: ${event.message}`);
      case 'approval.requested': {
        const what = event.command ?? event.files?.join(', ') ?? event.kind;
        return block(time, `approval ${event.id} needed: ${what}${event.reason ? ` (${event.reason})` : ''}`);
      }
      case 'approval.decided':
        return block(time, `approval ${event.id}: ${event.decision} by ${deciderName(event.by)}`);
      case 'approval.withdrawn':
        return block(time, `approval ${event.id} withdrawn: ${event.reason}`);
      case 'input.waiting':
        return block(time, 'waiting for your message (mcp send)');
      case 'input.sent':
        return block(time, `message sent: ${event.text}`);
      case 'resume':
        return block(time, `resuming Codex session ${event.sessionId}`);
      case 'exit': {
        const stopped = event.stoppedBy ? STOPPED[event.stoppedBy] : undefined;
        const how = signalOrCode(event.exitCode, event.signal);
        return block(time, stopped ? `${stopped} (${how})` : how);
      }
      case 'committed':
        return block(time, event.changed ? `committed to ${event.branch}` : 'no changes to commit');
      case 'superseded':
        return block(time, `replaced by plan v${event.version}`);
      case 'state':
        // `started` already says a task runs; a question says it waits.
        if (event.to === 'ready' || event.to === 'running' || event.to === 'waiting_approval' || event.to === 'waiting_input') return '';
        return block(time, `${event.to}${event.reason ? `: ${event.reason}` : ''}`);
      default:
        return '';
    }
  }
}

function deciderName(by: Decider): string {
  return by.kind === 'person' ? `${by.user} (${by.via})` : `rule ${JSON.stringify(by.rule)} (${by.list} list)`;
}
