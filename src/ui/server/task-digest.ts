import { isActivity } from '../../domain/event-summary.js';
import type { StoredEvent } from '../../domain/events.js';
import type { PendingApproval, TaskDigest } from '../wire.js';

/**
 * Folds a task's events, in order, into what the page shows beside it: tokens spent, the
 * last thing it did, the approvals still waiting and whether it waits for a message. Fed
 * incrementally as the file grows, so a long task is never read twice.
 */
export class TaskDigestBuilder {
  private readonly digest: TaskDigest = { tokens: { input: 0, output: 0 }, last: null, lastAt: null, approvals: [], waitingInput: false };

  add(event: StoredEvent): void {
    const d = this.digest;
    d.lastAt = event.ts;
    switch (event.type) {
      case 'codex.usage':
        d.tokens.input += event.usage.inputTokens;
        d.tokens.output += event.usage.outputTokens;
        break;
      case 'approval.requested':
        d.approvals = d.approvals.filter((a) => a.id !== event.id);
        d.approvals.push(pending(event));
        d.waitingInput = false;
        break;
      case 'approval.decided':
      case 'approval.withdrawn':
        d.approvals = d.approvals.filter((a) => a.id !== event.id);
        break;
      case 'input.waiting':
        d.waitingInput = true;
        break;
      case 'input.sent':
      case 'codex.turn_started':
      case 'started':
      case 'exit':
        d.waitingInput = false;
        // A new attempt or the end of the process: whatever was asked of a person is moot.
        if (event.type === 'started' || event.type === 'exit') d.approvals = [];
        break;
      case 'state':
        // The store's state is the authority: an approval answered elsewhere (a key typed
        // in an attached terminal) shows up as the task leaving waiting_approval.
        if (event.from === 'waiting_approval' && event.to !== 'waiting_approval') d.approvals = [];
        if (event.to !== 'waiting_input' && event.to !== 'waiting_approval' && event.to !== 'running') {
          d.waitingInput = false;
          d.approvals = [];
        }
        break;
      default:
        break;
    }
    if (isActivity(event)) d.last = event;
  }

  get value(): TaskDigest {
    return { ...this.digest, tokens: { ...this.digest.tokens }, approvals: [...this.digest.approvals] };
  }
}

function pending(event: Extract<StoredEvent, { type: 'approval.requested' }>): PendingApproval {
  return {
    id: event.id,
    kind: event.kind,
    command: event.command ?? null,
    cwd: event.cwd ?? null,
    files: event.files ?? [],
    reason: event.reason ?? null,
    since: event.ts,
  };
}

export function digestOf(events: Iterable<StoredEvent>): TaskDigest {
  const builder = new TaskDigestBuilder();
  for (const event of events) builder.add(event);
  return builder.value;
}
