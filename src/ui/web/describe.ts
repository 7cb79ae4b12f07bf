import { summarizeEvent } from '../../domain/event-summary.js';
import type { StoredEvent } from '../wire.js';

/** One line for what a task did last (the terminal's "last activity", in the same words). */
export function describe(event: StoredEvent | null, kind: 'prompt' | 'command'): string {
  return event ? (summarizeEvent(event, kind) ?? event.type) : '';
}
