import type { ActionReply, PendingApproval, PersonDecision } from '../wire.js';
import { post } from './api.js';
import { h } from './dom.js';

/** What the supervisor said to a click, in place of the last one. */
export function showReply(target: HTMLElement, reply: ActionReply): void {
  target.replaceChildren(h('div', { class: `action-reply ${reply.ok ? 'good' : 'bad'}`, role: 'status' }, reply.message));
}

/**
 * What an approval asks and the three answers a person may give, `mcp approve`'s own: the task
 * panel and the inbox show the same card, so neither offers less than the other.
 */
export function approvalCard(taskId: string, approval: PendingApproval, replies: HTMLElement): HTMLElement[] {
  const act = (decision: PersonDecision) => async (): Promise<void> => {
    showReply(replies, await post(`/api/tasks/${encodeURIComponent(taskId)}/approve`, { id: approval.id, decision }));
  };
  const card: HTMLElement[] = [h('pre', { class: 'approval-command' }, approval.command ?? (approval.files.join('\n') || approval.kind))];
  if (approval.reason) card.push(h('p', { class: 'approval-reason' }, `Reason: ${approval.reason}`));
  card.push(
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', class: 'approve', onclick: act('accept') }, 'Approve'),
      h('button', { type: 'button', class: 'approve-session', title: 'this, and the same request again in this Codex session', onclick: act('accept_for_session') }, 'Approve for the session'),
      h('button', { type: 'button', class: 'deny', onclick: act('decline') }, 'Deny'),
    ),
  );
  return card;
}
