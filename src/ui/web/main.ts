import './styles.css';
import type { FeedMessage, Inbox, InboxItem, RunClock, RunHead, RunReply, RunsReply, SupervisorState, TaskDigest, TaskView } from '../wire.js';
import { get, post } from './api.js';
import { describe } from './describe.js';
import { diffView } from './diff-view.js';
import { clear, clock, duration, elapsed, h, tokens } from './dom.js';
import { Feed } from './feed.js';
import { MAX_NODES_UNGROUPED, RunGraph, type GroupBy } from './graph.js';
import { InboxView } from './inbox.js';
import { showReply } from './approval-card.js';
import { TaskPanel } from './task-panel.js';

/** The whole page: a header, then the runs, one run (graph, task list, task panel), or the inbox. */

type Route = { view: 'runs' } | { view: 'inbox' } | { view: 'run'; runId: string; taskId: string | null };

const app = document.getElementById('app') as HTMLElement;
const nav = {
  inbox: h('a', { href: '#/inbox', class: 'nav-inbox' }, 'Inbox'),
  supervisor: h('span', { class: 'supervisor' }),
  connection: h('span', { class: 'connection' }),
  notify: h('button', { type: 'button', class: 'notify', title: 'a browser notification when something waits for you' }, 'Notify me'),
};
const main = h('main');
const inbox = new InboxView();
app.append(h('header', { class: 'top' }, h('a', { href: '#/', class: 'brand' }, 'mcp'), h('a', { href: '#/' }, 'Runs'), nav.inbox, h('span', { class: 'spacer' }), nav.supervisor, nav.connection, nav.notify), main);

const state = {
  runs: [] as RunHead[],
  inbox: [] as InboxItem[],
  supervisor: { live: false, pid: null } as SupervisorState,
  route: { view: 'runs' } as Route,
  runsLoaded: false,
};

// ---- the run page's state ----

interface RunPage {
  runId: string;
  loaded: boolean;
  /** Pushes that came before the first read; applied once it is there. */
  queue: FeedMessage[];
  head: HTMLElement;
  reply: HTMLElement;
  graph: RunGraph;
  list: HTMLElement;
  listFilter: string | null;
  side: HTMLElement;
  tasks: Map<string, TaskView>;
  digests: Record<string, TaskDigest>;
  resolves: Record<string, string>;
  planVersion: number;
  groupBy: GroupBy;
  expanded: Set<string>;
  showReplaced: boolean;
  panel: TaskPanel | null;
  redraw: number | null;
  rendered: boolean;
  /** Whether the run's supervisor is gone, and where its durations stopped then. */
  clock: RunClock;
}

let page: RunPage | null = null;
let renderedFirstRun: () => void = () => undefined;
const firstRunRender = new Promise<void>((resolve) => (renderedFirstRun = resolve));

function parseRoute(): Route {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'inbox') return { view: 'inbox' };
  if (parts[0] === 'run' && parts[1]) return { view: 'run', runId: parts[1], taskId: parts[2] === 'task' && parts[3] ? parts[3] : null };
  return { view: 'runs' };
}

function route(): void {
  const next = parseRoute();
  const samePage = page && next.view === 'run' && next.runId === page.runId;
  state.route = next;
  if (samePage && page && next.view === 'run') {
    openTask(page, next.taskId);
    return;
  }
  page?.panel?.dispose();
  page = null;
  feed.watch(null);
  clear(main);
  if (next.view === 'runs') renderRuns();
  else if (next.view === 'inbox') main.append(inbox.element);
  else void openRun(next.runId, next.taskId);
}

// ---- runs ----

/** A run's time, counted up to where it stopped if its supervisor is gone (as `mcp status` counts it). */
function runTime(run: Pick<RunHead, 'startedAt' | 'endedAt' | 'stoppedAt'>): string {
  return duration(elapsed(run.startedAt, run.endedAt ?? run.stoppedAt));
}

function runRow(run: RunHead): HTMLElement {
  const counts = Object.entries(run.counts).map(([s, n]) => h('span', { class: `count state-${s}` }, `${n} ${s.replace('_', ' ')}`));
  return h(
    'tr',
    { 'data-run': run.id },
    h('td', undefined, h('a', { href: `#/run/${encodeURIComponent(run.id)}` }, run.id)),
    h('td', undefined, h('span', { class: `badge state-${run.status}` }, run.status), run.goneNote ? h('span', { class: 'gone-mark', title: run.goneNote }, ' supervisor gone') : null),
    h('td', { class: 'objective' }, run.objective || '(a plan file)'),
    h('td', { class: 'num' }, runTime(run)),
    h('td', { class: 'counts' }, ...counts),
    h('td', { class: 'num' }, tokens(run.tokens)),
    h('td', { class: 'num' }, clock(run.createdAt)),
  );
}

function renderRuns(): void {
  if (state.route.view !== 'runs') return;
  const runs = [...state.runs].reverse();
  clear(main);
  main.append(
    h(
      'section',
      { class: 'panel runs' },
      h('h2', undefined, 'Runs'),
      runs.length === 0
        ? h('p', { class: 'muted' }, state.runsLoaded ? 'No run yet. Start one with mcp run; it shows up here.' : 'loading…')
        : h('div', { class: 'table-wrap' }, h('table', { class: 'runs-table' }, h('thead', undefined, h('tr', undefined, ...['run', 'state', 'objective', 'time', 'tasks', 'tokens', 'started'].map((t) => h('th', undefined, t)))), h('tbody', undefined, ...runs.map(runRow)))),
    ),
  );
}

// ---- one run ----

async function openRun(runId: string, taskId: string | null): Promise<void> {
  const graphHost = h('div', { class: 'graph-host' });
  const p: RunPage = {
    runId,
    loaded: false,
    queue: [],
    head: h('div', { class: 'run-head' }),
    reply: h('div', { class: 'replies' }),
    graph: null as unknown as RunGraph,
    list: h('div', { class: 'task-list' }),
    listFilter: null,
    side: h('div', { class: 'side' }),
    tasks: new Map(),
    digests: {},
    resolves: {},
    planVersion: 1,
    groupBy: 'none',
    expanded: new Set(),
    showReplaced: true,
    panel: null,
    redraw: null,
    rendered: false,
    clock: { stoppedAt: null, goneNote: null },
  };
  p.graph = new RunGraph(graphHost, (id) => (location.hash = `#/run/${encodeURIComponent(runId)}/task/${encodeURIComponent(id)}`), (key) => toggleGroup(p, key));
  page = p;
  feed.watch(runId);
  const controls = h('div', { class: 'graph-controls' });
  main.append(h('div', { class: 'run-page' }, h('div', { class: 'run-main' }, p.head, p.reply, h('section', { class: 'panel graph-panel' }, controls, graphHost), h('section', { class: 'panel' }, p.list)), p.side));
  let reply: RunReply;
  try {
    performance.mark('mcp-run-fetch');
    reply = await get<RunReply>(`/api/runs/${encodeURIComponent(runId)}`);
    performance.mark('mcp-run-fetched');
  } catch (error) {
    p.head.replaceChildren(h('p', { class: 'bad' }, (error as Error).message));
    renderedFirstRun();
    return;
  }
  if (page !== p) return renderedFirstRun();
  for (const task of reply.run.tasks) p.tasks.set(task.id, task);
  p.digests = reply.digests;
  p.resolves = reply.resolves;
  p.planVersion = reply.run.planVersion;
  p.groupBy = reply.run.tasks.length > MAX_NODES_UNGROUPED ? 'state' : 'none';
  p.clock = { stoppedAt: reply.run.stoppedAt, goneNote: reply.run.goneNote };
  p.loaded = true;
  renderControls(p, controls);
  for (const message of p.queue.splice(0)) applyToRun(p, message);
  renderRunHead(p, state.runs.find((r) => r.id === p.runId) ?? { ...reply.run, tokens: reply.tokens });
  drawRun(p);
  openTask(p, taskId);
  // The first render of the run page, for the browser test's measure (1,000 tasks ≤ 1 s).
  performance.mark('mcp-run-rendered');
  document.body.dataset.runRendered = String(Math.round(performance.now()));
  renderedFirstRun();
}

function renderControls(p: RunPage, host: HTMLElement): void {
  const group = h('select', { 'aria-label': 'group tasks by', class: 'group-by' }, ...(['none', 'state', 'version'] as GroupBy[]).map((g) => h('option', { value: g, selected: g === p.groupBy }, g === 'none' ? 'every task' : g === 'state' ? 'grouped by state' : 'grouped by plan version')));
  group.addEventListener('change', () => {
    p.groupBy = group.value as GroupBy;
    p.expanded.clear();
    p.listFilter = null;
    drawRun(p);
  });
  const replaced = h('input', { type: 'checkbox', checked: p.showReplaced });
  replaced.addEventListener('change', () => {
    p.showReplaced = replaced.checked;
    drawRun(p);
  });
  host.replaceChildren(h('label', undefined, 'Show ', group), h('label', undefined, replaced, ' replaced tasks'), h('span', { class: 'legend' }, ...['running', 'waiting_approval', 'succeeded', 'failed', 'killed', 'pending'].map((s) => h('span', { class: `swatch state-${s}` }, s.replace('_', ' ')))));
}

function toggleGroup(p: RunPage, key: string): void {
  const members = [...p.tasks.values()].filter((t) => (p.groupBy === 'state' ? `state:${t.status}` : `version:${t.planVersion}`) === key);
  if (members.length <= MAX_NODES_UNGROUPED) {
    if (p.expanded.has(key)) p.expanded.delete(key);
    else p.expanded.add(key);
  }
  p.listFilter = p.listFilter === key ? null : key;
  drawRun(p);
}

function scheduleDraw(p: RunPage): void {
  if (p.redraw !== null) return;
  p.redraw = requestAnimationFrame(() => {
    p.redraw = null;
    drawRun(p);
  });
}

function drawRun(p: RunPage): void {
  if (page !== p || !p.loaded) return;
  const tasks = [...p.tasks.values()];
  const selected = state.route.view === 'run' ? state.route.taskId : null;
  p.graph.render({ tasks, digests: p.digests, resolves: p.resolves, planVersion: p.planVersion, groupBy: p.groupBy, expanded: p.expanded, showReplaced: p.showReplaced, selected, stoppedAt: p.clock.stoppedAt });
  renderList(p, tasks, selected);
  p.rendered = true;
}

/** Built as one string: 1,000 rows through the DOM API took a fifth of the first render. */
function renderList(p: RunPage, tasks: TaskView[], selected: string | null): void {
  const shown = tasks.filter((t) => (p.showReplaced || !t.superseded) && (!p.listFilter || (p.groupBy === 'state' ? `state:${t.status}` : `version:${t.planVersion}`) === p.listFilter));
  const run = encodeURIComponent(p.runId);
  const rows = shown.map((t) => {
    const cls = `${t.superseded ? 'superseded' : ''}${t.id === selected ? ' selected' : ''}`;
    const digest = p.digests[t.id];
    // A task of a run whose supervisor is gone counts no further than the run (no data-end: the clock ticks it).
    const end = t.endedAt ?? p.clock.stoppedAt;
    return `<tr data-task="${esc(t.id)}" class="${cls}"><td><a href="#/run/${run}/task/${esc(encodeURIComponent(t.id))}">${esc(t.key)}</a></td>`
      + `<td><span class="badge state-${esc(t.status)}">${esc(t.status.replace('_', ' '))}</span></td>`
      + `<td class="num elapsed" data-start="${esc(t.startedAt ?? '')}" data-end="${esc(end ?? '')}">${duration(elapsed(t.startedAt, end))}</td>`
      + `<td class="num">${t.attempts}</td><td class="num">v${t.planVersion}</td><td class="num">${esc(tokens(digest?.tokens ?? { input: 0, output: 0 }))}</td>`
      + `<td class="last">${esc(describe(digest?.last ?? null, t.kind) || t.reason || '')}</td></tr>`;
  });
  const head = ['task', 'state', 'time', 'tries', 'plan', 'tokens', 'last activity'].map((t) => `<th>${t}</th>`).join('');
  const title = `Tasks (${shown.length}${p.listFilter ? ` of ${tasks.length}, ${p.listFilter.replace(':', ' ')}` : ''})`;
  p.list.innerHTML = `<h3>${esc(title)}</h3><div class="table-wrap"><table class="tasks-table"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function renderRunHead(p: RunPage, run: RunHead): void {
  const id = encodeURIComponent(p.runId);
  const final = run.status === 'succeeded' || run.status === 'failed' || run.status === 'killed';
  const counts = Object.entries(run.counts).map(([s, n]) => h('span', { class: `count state-${s}` }, `${n} ${s.replace('_', ' ')}`));
  p.head.replaceChildren(
    h('div', { class: 'run-title' }, h('h2', undefined, `run ${run.id}`), h('span', { class: `badge state-${run.status}`, 'data-run-state': run.status }, run.status), h('span', { class: 'muted' }, `plan v${run.planVersion}${run.replans ? ` · ${run.replans} replan${run.replans === 1 ? '' : 's'}` : ''} · ${runTime(run)}${tokens(run.tokens) ? ` · ${tokens(run.tokens)}` : ''}`)),
    h('p', { class: 'objective' }, run.objective || '(a plan file)'),
    h('div', { class: 'counts' }, ...counts),
    run.reason ? h('p', { class: 'reason' }, run.reason) : '',
    run.goneNote ? h('p', { class: 'reason supervisor-gone' }, run.goneNote) : '',
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', class: 'result-diff', onclick: () => showRunDiff(p) }, 'Result diff'),
      run.status === 'succeeded' ? h('button', { type: 'button', class: 'merge', onclick: () => void post(`/api/runs/${id}/merge`).then((r) => showReply(p.reply, r)) }, 'Merge the result') : null,
      final ? null : h('button', { type: 'button', class: 'kill-run danger', onclick: () => void post(`/api/runs/${id}/kill`).then((r) => showReply(p.reply, r)) }, 'Kill run'),
    ),
  );
}

function showRunDiff(p: RunPage): void {
  p.panel?.dispose();
  p.panel = null;
  p.side.replaceChildren(h('section', { class: 'panel' }, h('div', { class: 'panel-title' }, h('a', { href: `#/run/${encodeURIComponent(p.runId)}`, class: 'close' }, '×'), h('h2', undefined, 'Result of the run')), diffView(`/api/runs/${encodeURIComponent(p.runId)}/diff`)));
  document.body.classList.add('with-side');
}

function openTask(p: RunPage, taskId: string | null): void {
  if (p.panel?.taskId === taskId) return;
  p.panel?.dispose();
  p.panel = null;
  clear(p.side);
  document.body.classList.toggle('with-side', taskId !== null);
  if (taskId) {
    p.panel = new TaskPanel(taskId, `#/run/${encodeURIComponent(p.runId)}`, () => p.clock);
    p.side.append(p.panel.element);
    if (window.matchMedia('(max-width: 900px)').matches) window.scrollTo(0, 0);
  }
  scheduleDraw(p);
}

function applyToRun(p: RunPage, message: FeedMessage): void {
  if (message.type === 'tasks' && message.runId === p.runId) {
    for (const task of message.tasks) p.tasks.set(task.id, task);
    Object.assign(p.digests, message.digests);
    for (const task of message.tasks) if (p.panel?.taskId === task.id) p.panel.onTask(task, message.digests[task.id]);
    for (const [taskId, digest] of Object.entries(message.digests)) {
      const task = p.tasks.get(taskId);
      if (task && p.panel?.taskId === taskId && !message.tasks.some((t) => t.id === taskId)) p.panel.onTask(task, digest);
    }
    scheduleDraw(p);
  } else if (message.type === 'events' && message.runId === p.runId) {
    if (p.panel?.taskId === message.taskId) p.panel.onEvents(message.from, message.events);
  } else if (message.type === 'run-events' && message.runId === p.runId) {
    p.resolves = message.resolves;
    for (const event of message.events) if (event.type === 'planned' || event.type === 'replan') p.planVersion = Math.max(p.planVersion, event.version);
    scheduleDraw(p);
  }
}

// ---- the feed ----

function onFeed(message: FeedMessage): void {
  switch (message.type) {
    case 'runs':
      state.runs = message.runs;
      state.runsLoaded = true;
      renderRuns();
      if (page) {
        const run = message.runs.find((r) => r.id === page?.runId);
        if (run && page.loaded) {
          page.planVersion = run.planVersion;
          renderRunHead(page, run);
          if (run.stoppedAt !== page.clock.stoppedAt || run.goneNote !== page.clock.goneNote) {
            page.clock = { stoppedAt: run.stoppedAt, goneNote: run.goneNote };
            page.panel?.onRun();
            scheduleDraw(page);
          }
        }
      }
      return;
    case 'inbox':
      updateInbox(message);
      return;
    case 'supervisor':
      state.supervisor = message.supervisor;
      nav.supervisor.textContent = message.supervisor.live ? `supervisor ${message.supervisor.pid ?? ''} live` : 'no supervisor: history only';
      nav.supervisor.className = `supervisor ${message.supervisor.live ? 'good' : 'muted'}`;
      return;
    default:
      if (!page) return;
      if (!page.loaded) page.queue.push(message);
      else applyToRun(page, message);
  }
}

let notified = new Set<string>();

function updateInbox({ items, stranded }: Inbox): void {
  state.inbox = items;
  nav.inbox.textContent = items.length > 0 ? `Inbox (${items.length})` : 'Inbox';
  nav.inbox.classList.toggle('attention', items.length > 0);
  document.title = items.length > 0 ? `(${items.length}) mcp` : 'mcp';
  const keys = new Set(items.map((i) => `${i.taskId}:${i.kind}:${i.approval?.id ?? ''}`));
  if ('Notification' in window && Notification.permission === 'granted') {
    for (const item of items) {
      const key = `${item.taskId}:${item.kind}:${item.approval?.id ?? ''}`;
      if (!notified.has(key)) new Notification(`mcp: ${item.key} ${item.kind === 'approval' ? 'asks for approval' : 'waits for a message'}`, { body: item.approval?.command ?? item.title, tag: key });
    }
  }
  notified = keys;
  inbox.update(items, stranded);
}

nav.notify.addEventListener('click', () => {
  if (!('Notification' in window)) {
    nav.notify.textContent = 'no notifications here';
    return;
  }
  void Notification.requestPermission().then((permission) => {
    nav.notify.textContent = permission === 'granted' ? 'Notifications on' : 'Notifications blocked';
  });
});

const feed = new Feed(onFeed, (connected, reconnected) => {
  nav.connection.textContent = connected ? '' : 'reconnecting…';
  // Pushes may have been missed while away: read again what is shown.
  if (connected && reconnected) route();
});

async function start(): Promise<void> {
  performance.mark('mcp-start');
  window.addEventListener('hashchange', route);
  route();
  // A run page is read first: the list of runs (which counts every run's tasks) waits for it.
  if (state.route.view === 'run') await firstRunRender;
  try {
    const reply = await get<RunsReply>('/api/runs');
    state.runs = reply.runs;
    state.runsLoaded = true;
    onFeed({ type: 'supervisor', supervisor: reply.supervisor });
    renderRuns();
  } catch (error) {
    main.replaceChildren(h('p', { class: 'bad' }, (error as Error).message));
    return;
  }
  // The clock of running tasks; nothing is fetched.
  setInterval(() => {
    if (!page?.rendered) return;
    page.graph.tick();
    page.panel?.tick();
    for (const cell of page.list.querySelectorAll<HTMLElement>('td.elapsed')) {
      if (cell.dataset.start && !cell.dataset.end) cell.textContent = duration(elapsed(cell.dataset.start, null));
    }
  }, 1000);
}

void start();
