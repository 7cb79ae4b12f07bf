import { summarizeEvent } from '../domain/event-summary.js';
import { isTaskEvent, type StoredEvent, type TaskEvent } from '../domain/events.js';
import { EventTail } from '../terminal/event-tail.js';
import { printable } from './render/format.js';

/** What the live view shows of a task beyond its state: what it did last, and tokens spent. */
export interface TaskActivity {
  /** One line, already printable; null before the task did anything worth showing. */
  last: string | null;
  inputTokens: number;
  outputTokens: number;
}

/** events.ndjson is read at most this often per task: the live view redraws faster, but news is rarely that fast. */
export const EVENTS_POLL_MS = 500;
/** Bytes read per poll: a long backlog (a resumed task) is caught up over several polls, never in one stall. */
const MAX_READ_BYTES = 1024 * 1024;

/** The status line an event gives (see summarizeEvent), made safe for a terminal. */
export function describeEvent(event: TaskEvent, kind: 'prompt' | 'command'): string | undefined {
  const text = summarizeEvent(event, kind);
  return text === undefined ? undefined : printable(text).trim() || undefined;
}

/**
 * Follows one task's events.ndjson from where it last stopped: only new bytes are read, so
 * summing `codex.usage` over the whole file stays cheap however long the task runs.
 */
export class TaskActivityReader {
  private readonly tail: EventTail;
  private lastPoll = -Infinity;
  private readonly activity: TaskActivity = { last: null, inputTokens: 0, outputTokens: 0 };

  constructor(
    file: string,
    private readonly kind: 'prompt' | 'command',
  ) {
    const restart = (): void => {
      // Truncated or replaced: what was summed was another file's.
      Object.assign(this.activity, { last: null, inputTokens: 0, outputTokens: 0 });
    };
    this.tail = new EventTail(file, { maxReadBytes: MAX_READ_BYTES, onRestart: restart });
  }

  /** The activity, reading new events first unless it did so less than EVENTS_POLL_MS ago (or `force`). */
  poll(now: number, force = false): TaskActivity {
    if (!force && now - this.lastPoll < EVENTS_POLL_MS) return this.activity;
    this.lastPoll = now;
    for (const event of this.tail.read()) this.take(event);
    return this.activity;
  }

  private take(event: StoredEvent): void {
    if (event.type === 'codex.usage') {
      this.activity.inputTokens += event.usage.inputTokens;
      this.activity.outputTokens += event.usage.outputTokens;
      return;
    }
    if (!isTaskEvent(event)) return;
    const text = describeEvent(event, this.kind);
    if (text !== undefined) this.activity.last = text;
  }
}
