import type { McpEvent } from './events.js';

/**
 * The questions a task's events leave open: asked (`approval.requested`) and neither
 * answered nor withdrawn. Ids are numbered per attempt (each attempt has its own desk), so
 * a `started` begins afresh: an id of an earlier attempt is not this attempt's question.
 * A command task asks before its process starts, so its question follows the previous
 * attempt's `started`, and is counted.
 */
export function openApprovalIds(events: Iterable<McpEvent>): number[] {
  const open = new Set<number>();
  for (const event of events) {
    switch (event.type) {
      case 'started':
        open.clear();
        break;
      case 'approval.requested':
        open.add(event.id);
        break;
      case 'approval.decided':
      case 'approval.withdrawn':
        open.delete(event.id);
        break;
      default:
        break;
    }
  }
  return [...open];
}
