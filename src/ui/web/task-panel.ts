import type { RunClock, TaskDigest, TaskReply, TaskView, StoredEvent } from '../wire.js';
import { get, post } from './api.js';
import { approvalCard, showReply } from './approval-card.js';
import { diffView } from './diff-view.js';
import { clear, clock, duration, elapsed, h, tokens } from './dom.js';
import { TerminalView } from './terminal-view.js';
import { transcriptEntry } from './transcript.js';

const FINAL = new Set(['succeeded', 'failed', 'killed', 'timed_out', 'blocked']);
type Tab = 'terminal' | 'transcript' | 'diff' | 'details';

/** Shows the reply of a button: the supervisor's own words, success or refusal. */
/** One task: its terminal, transcript, diff and details, and the buttons that act on it. */
export class TaskPanel {
  readonly element = h('section', { class: 'panel task-panel' });
  private readonly header = h('div', { class: 'panel-head' });
  private readonly approvals = h('div', { class: 'approvals' });
  private readonly actions = h('div', { class: 'actions' });
  private readonly replies = h('div', { class: 'replies' });
  private readonly body = h('div', { class: 'panel-body' });
  private readonly transcript = h('ol', { class: 'transcript' });
  private readonly tabs = h('nav', { class: 'tabs' });
  private terminal: TerminalView | null = null;
  private tab: Tab = 'terminal';
  private task: TaskReply['task'] | null = null;
  private digest: TaskDigest | null = null;
  private eventsEnd = 0;
  private lastMessage: string | null = null;

  constructor(
    readonly taskId: string,
    private readonly closeHref: string,
    /** The task's run: whether its supervisor is gone, and where its durations stopped. */
    private readonly run: () => RunClock,
  ) {
    this.element.append(this.header, this.approvals, this.actions, this.replies, this.tabs, this.body);
    void this.load();
  }

  private async load(): Promise<void> {
    let reply: TaskReply;
    try {
      reply = await get<TaskReply>(`/api/tasks/${encodeURIComponent(this.taskId)}`);
    } catch (error) {
      this.header.replaceChildren(h('p', { class: 'bad' }, (error as Error).message));
      return;
    }
    this.task = reply.task;
    this.digest = reply.digest;
    this.lastMessage = reply.lastMessage;
    this.eventsEnd = reply.eventsEnd;
    for (const event of reply.events) this.appendEvent(event);
    this.renderHead();
    this.renderTabs();
    this.show(this.tab);
  }

  /** New events from the feed; `from` says where they start, so none is taken twice. */
  onEvents(from: number, events: StoredEvent[]): void {
    if (!this.task) return;
    const skip = this.eventsEnd - from;
    const fresh = skip > 0 ? events.slice(skip) : events;
    this.eventsEnd = Math.max(this.eventsEnd, from + events.length);
    for (const event of fresh) this.appendEvent(event);
  }

  onTask(view: TaskView, digest: TaskDigest | undefined): void {
    if (!this.task) return;
    this.task = { ...this.task, ...view };
    if (digest) this.digest = digest;
    this.renderHead();
  }

  /** The run's supervisor was found gone (or back): what the panel offers changes. */
  onRun(): void {
    this.renderHead();
  }

  tick(): void {
    if (this.task && !this.task.endedAt && !this.run().stoppedAt) this.renderHead();
  }

  private appendEvent(event: StoredEvent): void {
    const entry = transcriptEntry(event);
    if (entry) this.transcript.append(entry);
  }

  private renderHead(): void {
    const t = this.task;
    if (!t) return;
    const d = this.digest;
    const time = duration(elapsed(t.startedAt, t.endedAt ?? this.run().stoppedAt));
    this.header.replaceChildren(
      h('div', { class: 'panel-title' }, h('a', { href: this.closeHref, class: 'close', title: 'close', 'aria-label': 'close' }, '×'), h('h2', undefined, t.key), h('span', { class: `badge state-${t.status}`, 'data-state': t.status }, t.status.replace('_', ' '))),
      h('p', { class: 'panel-sub' }, t.title),
      h(
        'dl',
        { class: 'facts' },
        h('dt', undefined, 'attempts'), h('dd', undefined, String(t.attempts)),
        h('dt', undefined, 'time'), h('dd', undefined, time ? `${time}${t.startedAt ? ` from ${clock(t.startedAt)}` : ''}` : '—'),
        h('dt', undefined, 'exit'), h('dd', undefined, t.exitCode !== null ? String(t.exitCode) : (t.signal ?? '—')),
        h('dt', undefined, 'tokens'), h('dd', undefined, d ? tokens(d.tokens) || '—' : '—'),
        h('dt', undefined, 'kind'), h('dd', undefined, t.kind === 'command' ? 'command' : `Codex (${t.mode})`),
        h('dt', undefined, 'plan'), h('dd', undefined, `v${t.planVersion}${t.superseded ? ' (replaced)' : ''}`),
      ),
      t.reason ? h('p', { class: 'reason' }, h('b', undefined, 'reason: '), t.reason) : '',
    );
    this.renderApprovals();
    this.renderActions();
  }

  private renderApprovals(): void {
    clear(this.approvals);
    // An answer reaches the task through its run's supervisor: with that gone, none would.
    const gone = this.run().goneNote;
    if (gone) {
      if (this.digest?.approvals.length || this.task?.status === 'waiting_input') this.approvals.append(h('p', { class: 'reason supervisor-gone' }, `Nobody can answer this task now: ${gone}`));
      return;
    }
    for (const approval of this.digest?.approvals ?? []) {
      this.approvals.append(
        h('div', { class: 'approval-card', 'data-approval': approval.id }, h('div', undefined, h('b', undefined, `Codex asks to run (approval ${approval.id}):`)), ...approvalCard(this.taskId, approval, this.replies)),
      );
    }
  }

  private renderActions(): void {
    const t = this.task;
    if (!t) return;
    // Redrawn only when what it offers changes (a typed message must not be wiped by a refresh).
    const gone = this.run().goneNote !== null;
    const offer = `${FINAL.has(t.status)}|${t.status === 'waiting_input'}|${gone}`;
    if (this.actions.childElementCount > 0 && this.actions.dataset.offer === offer) return;
    this.actions.dataset.offer = offer;
    clear(this.actions);
    if (FINAL.has(t.status)) return;
    const kill = h('button', { type: 'button', class: 'kill danger', onclick: () => void post(`/api/tasks/${encodeURIComponent(this.taskId)}/kill`).then((reply) => showReply(this.replies, reply)) }, 'Kill task');
    // A message or the end of a session goes through the run's supervisor; a kill does not need it (recorded PIDs).
    if (gone) {
      this.actions.append(kill);
      return;
    }
    const text = h('textarea', { rows: 2, placeholder: 'a message for the task', class: 'send-text', 'aria-label': 'message' });
    const id = encodeURIComponent(this.taskId);
    this.actions.append(
      h(
        'form',
        {
          class: 'send',
          onsubmit: (event: Event) => {
            event.preventDefault();
            if (!text.value.trim()) return;
            void post(`/api/tasks/${id}/send`, { text: text.value }).then((reply) => {
              showReply(this.replies, reply);
              if (reply.ok) text.value = '';
            });
          },
        },
        text,
        h('button', { type: 'submit', class: 'send-button' }, 'Send'),
      ),
      ...(t.status === 'waiting_input'
        ? [h('button', { type: 'button', class: 'done', title: 'end the session; its work is committed', onclick: () => void post(`/api/tasks/${id}/done`).then((reply) => showReply(this.replies, reply)) }, 'End session')]
        : []),
      kill,
    );
  }

  private renderTabs(): void {
    const tabs: [Tab, string][] = [['terminal', 'Terminal'], ['transcript', 'Transcript'], ['diff', 'Diff'], ['details', 'Details']];
    this.tabs.replaceChildren(...tabs.map(([tab, label]) => h('button', { type: 'button', class: `tab${tab === this.tab ? ' active' : ''}`, 'data-tab': tab, onclick: () => this.show(tab) }, label)));
  }

  private show(tab: Tab): void {
    this.tab = tab;
    this.renderTabs();
    const t = this.task;
    if (!t) return;
    if (tab === 'terminal') {
      this.terminal ??= new TerminalView(this.taskId);
      this.body.replaceChildren(this.terminal.element);
    } else if (tab === 'transcript') {
      this.body.replaceChildren(this.transcript.childElementCount > 0 ? this.transcript : h('p', { class: 'muted' }, 'no events yet'));
    } else if (tab === 'diff') {
      this.body.replaceChildren(diffView(`/api/tasks/${encodeURIComponent(this.taskId)}/diff`));
    } else {
      this.body.replaceChildren(
        h('div', { class: 'details' },
          t.dependsOn.length ? h('p', undefined, h('b', undefined, 'after: '), t.dependsOn.join(', ')) : null,
          t.acceptance ? h('p', undefined, h('b', undefined, 'done when: '), t.acceptance) : null,
          t.command ? h('p', undefined, h('b', undefined, 'command: '), h('code', undefined, t.command.join(' '))) : null,
          t.prompt ? h('details', undefined, h('summary', undefined, 'prompt'), h('pre', undefined, t.prompt)) : null,
          this.lastMessage ? h('details', { open: true }, h('summary', undefined, 'final message'), h('pre', undefined, this.lastMessage)) : null,
          h('p', { class: 'muted' }, `id ${t.id}${t.branch ? ` · branch ${t.branch}` : ''}${t.sessionId ? ` · session ${t.sessionId}` : ''}`),
        ),
      );
    }
  }

  dispose(): void {
    this.terminal?.dispose();
  }
}
