import type { StoredEvent } from '../wire.js';
import { clock, h } from './dom.js';

/** A command's output beyond this is cut in the page (events.ndjson keeps it). */
const MAX_OUTPUT_CHARS = 4000;

/** One entry of a task's transcript, from its typed events; null for events not shown there. */
export function transcriptEntry(event: StoredEvent): HTMLElement | null {
  const at = h('time', { datetime: event.ts }, clock(event.ts));
  const row = (cls: string, ...body: (Node | string)[]): HTMLElement => h('li', { class: `tr tr-${cls}`, 'data-type': event.type }, at, ...body);
  switch (event.type) {
    case 'codex.message':
      return row('message', h('div', { class: 'tr-text' }, event.text));
    case 'codex.reasoning':
      return row('reasoning', h('div', { class: 'tr-text' }, event.text));
    case 'codex.command': {
      const failed = event.exitCode !== null && event.exitCode !== 0;
      const head = h('span', { class: 'tr-cmd' }, `$ ${event.command}`, h('span', { class: `exit ${failed ? 'bad' : 'good'}` }, event.exitCode === null ? (event.status ?? '') : `exit ${event.exitCode}`));
      const output = event.output?.trim();
      return row('command', output ? h('details', undefined, h('summary', undefined, head), h('pre', undefined, output.length > MAX_OUTPUT_CHARS ? `${output.slice(0, MAX_OUTPUT_CHARS)}\n…` : output)) : head);
    }
    case 'codex.file_change':
      return row('files', h('span', undefined, '✎ ', event.changes.map((c) => `${c.path} (${c.kind})`).join(', ')));
    case 'approval.requested':
      return row('approval', h('span', undefined, `approval ${event.id} asked: `, h('code', undefined, event.command ?? event.files?.join(', ') ?? event.kind), event.reason ? ` — ${event.reason}` : ''));
    case 'approval.decided': {
      const who = event.by.kind === 'person' ? `${event.by.user} via ${event.by.via}` : `rule ${event.by.rule}`;
      return row('decision', h('span', undefined, `approval ${event.id}: ${event.decision} by ${who}`));
    }
    case 'approval.withdrawn':
      return row('decision', h('span', undefined, `approval ${event.id} withdrawn: ${event.reason}`));
    case 'input.sent':
      return row('input', h('span', undefined, `message${event.by?.kind === 'person' ? ` from ${event.by.user}` : ''}: ${event.text}`));
    case 'input.waiting':
      return row('waiting', h('span', undefined, 'waiting for a message'));
    case 'state':
      return row('state', h('span', undefined, `${event.from} → ${event.to}${event.reason ? ` (${event.reason})` : ''}`));
    case 'started':
      return row('started', h('span', undefined, `attempt ${event.attempt} started (pid ${event.pid})`));
    case 'exit':
      return row('exit', h('span', undefined, event.exitCode !== null ? `exited ${event.exitCode}` : `ended by ${event.signal ?? 'a signal'}`, event.stoppedBy ? ` (stopped: ${event.stoppedBy})` : ''));
    case 'committed':
      return row('state', h('span', undefined, event.changed ? `committed on ${event.branch}` : 'nothing to commit'));
    case 'error':
    case 'codex.error':
    case 'codex.turn_failed':
    case 'spawn.refused':
      return row('error', h('span', undefined, event.message));
    case 'codex.warning':
      return row('warning', h('span', undefined, event.message));
    case 'resume':
      return row('state', h('span', undefined, `resuming session ${event.sessionId}`));
    case 'superseded':
      return row('state', h('span', undefined, `replaced by plan v${event.version}`));
    default:
      return null;
  }
}
