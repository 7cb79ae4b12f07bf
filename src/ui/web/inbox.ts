import type { InboxItem } from '../wire.js';
import { post } from './api.js';
import { clock, h } from './dom.js';
import { showReply } from './task-panel.js';

/** Every approval and message a person owes, across runs, with the buttons to answer. */
export function inboxView(items: InboxItem[]): HTMLElement {
  if (items.length === 0) return h('section', { class: 'panel inbox' }, h('h2', undefined, 'Inbox'), h('p', { class: 'muted' }, 'Nothing waits for you.'));
  const list = h('ul', { class: 'inbox-list' });
  for (const item of items) {
    const reply = h('div', { class: 'replies' });
    const id = encodeURIComponent(item.taskId);
    const link = h('a', { href: `#/run/${encodeURIComponent(item.runId)}/task/${id}` }, item.key);
    const body: (Node | null)[] = [];
    if (item.kind === 'approval' && item.approval) {
      const approval = item.approval;
      const act = (decision: 'accept' | 'decline') => async (): Promise<void> => showReply(reply, await post(`/api/tasks/${id}/approve`, { id: approval.id, decision }));
      body.push(
        h('pre', { class: 'approval-command' }, approval.command ?? (approval.files.join('\n') || approval.kind)),
        approval.reason ? h('p', { class: 'approval-reason' }, `Reason: ${approval.reason}`) : null,
        h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'approve', onclick: act('accept') }, 'Approve'), h('button', { type: 'button', class: 'deny', onclick: act('decline') }, 'Deny')),
      );
    } else {
      const text = h('textarea', { rows: 2, placeholder: 'your message', class: 'send-text', 'aria-label': 'message' });
      body.push(
        h(
          'form',
          {
            class: 'send',
            onsubmit: (event: Event) => {
              event.preventDefault();
              if (text.value.trim()) void post(`/api/tasks/${id}/send`, { text: text.value }).then((r) => showReply(reply, r));
            },
          },
          text,
          h('button', { type: 'submit', class: 'send-button' }, 'Send'),
        ),
      );
    }
    list.append(
      h(
        'li',
        { class: `inbox-item inbox-${item.kind}`, 'data-task': item.taskId },
        h('div', { class: 'inbox-head' }, h('span', { class: 'badge' }, item.kind === 'approval' ? `approval ${item.approval?.id ?? ''}` : 'waits for a message'), ' ', link, h('span', { class: 'muted' }, ` ${item.title} · run ${item.runId}${item.since ? ` · since ${clock(item.since)}` : ''}`)),
        ...body,
        reply,
      ),
    );
  }
  return h('section', { class: 'panel inbox' }, h('h2', undefined, `Inbox (${items.length})`), list);
}
