import type { InboxItem, StrandedRun } from '../wire.js';
import { post } from './api.js';
import { approvalCard, showReply } from './approval-card.js';
import { clock, h } from './dom.js';

function keyOf(item: InboxItem): string {
  return `${item.taskId}:${item.kind}:${item.approval?.id ?? ''}`;
}

/**
 * Every approval and message a person owes, across runs, with the buttons to answer. Items
 * are kept as they are while they stay (a half-typed message survives an update), and the
 * replies to what was clicked stay on top after their item is gone. Below them, one line a
 * run whose supervisor is gone: what waits in it cannot be answered until `mcp resume`.
 */
export class InboxView {
  readonly element = h('section', { class: 'panel inbox' });
  private readonly title = h('h2', undefined, 'Inbox');
  private readonly replies = h('div', { class: 'replies' });
  private readonly list = h('ul', { class: 'inbox-list' });
  private readonly empty = h('p', { class: 'muted' }, 'Nothing waits for you.');
  private readonly stranded = h('ul', { class: 'inbox-list' });
  private readonly items = new Map<string, HTMLElement>();

  constructor() {
    this.element.append(this.title, this.replies, this.empty, this.list, this.stranded);
  }

  update(items: InboxItem[], stranded: StrandedRun[]): void {
    this.stranded.replaceChildren(...stranded.map(strandedLine));
    const keys = new Set(items.map(keyOf));
    for (const [key, el] of this.items) {
      if (!keys.has(key)) {
        el.remove();
        this.items.delete(key);
      }
    }
    for (const item of items) {
      const key = keyOf(item);
      if (!this.items.has(key)) {
        const el = this.item(item);
        this.items.set(key, el);
        this.list.append(el);
      }
    }
    this.title.textContent = items.length > 0 ? `Inbox (${items.length})` : 'Inbox';
    this.empty.hidden = items.length > 0;
  }

  private item(item: InboxItem): HTMLElement {
    const id = encodeURIComponent(item.taskId);
    const link = h('a', { href: `#/run/${encodeURIComponent(item.runId)}/task/${id}` }, item.key);
    const body: (Node | string)[] = [];
    if (item.kind === 'approval' && item.approval) {
      body.push(...approvalCard(item.taskId, item.approval, this.replies));
    } else {
      const text = h('textarea', { rows: 2, placeholder: 'your message', class: 'send-text', 'aria-label': 'message' });
      // The answer goes to the inbox's own replies: a sent message takes the item out of the inbox.
      const send = (event: Event): void => {
        event.preventDefault();
        if (text.value.trim()) void post(`/api/tasks/${id}/send`, { text: text.value }).then((r) => showReply(this.replies, r));
      };
      body.push(h('form', { class: 'send', onsubmit: send }, text, h('button', { type: 'submit', class: 'send-button' }, 'Send')));
    }
    return h(
      'li',
      { class: `inbox-item inbox-${item.kind}`, 'data-task': item.taskId },
      h('div', { class: 'inbox-head' }, h('span', { class: 'badge' }, item.kind === 'approval' ? `approval ${item.approval?.id ?? ''}` : 'waits for a message'), ' ', link, h('span', { class: 'muted' }, ` ${item.title} · run ${item.runId}${item.since ? ` · since ${clock(item.since)}` : ''}`)),
      ...body,
    );
  }
}

function strandedLine(run: StrandedRun): HTMLElement {
  const link = h('a', { href: `#/run/${encodeURIComponent(run.runId)}` }, `run ${run.runId}`);
  const what = run.waiting === 1 ? '1 question waits' : `${run.waiting} questions wait`;
  return h('li', { class: 'inbox-item inbox-stranded', 'data-run': run.runId }, link, h('span', { class: 'muted' }, ` · ${what} that nobody can answer: `), run.note);
}
