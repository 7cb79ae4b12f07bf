import { readFileSync } from 'node:fs';
import { isFinalRunState } from '../../domain/task-state.js';
import type { StoredEvent } from '../../domain/events.js';
import { supervisorGoneLine, supervisorOfRuns } from '../../orchestrator/run-supervisor.js';
import type { RunRecord, TaskSummary } from '../../store/records.js';
import type { StateRoot } from '../../store/state-root.js';
import type { TaskStore } from '../../store/task-store.js';
import { runHeadView, runView, stoppedClock, taskView, type RunSupervisor, type SupervisorOf } from '../../store/views.js';
import type { FeedMessage, Inbox, InboxItem, RunClock, RunHead, RunReply, RunsReply, StrandedRun, SupervisorState, TaskDigest, TaskReply, TaskView, Tokens } from '../wire.js';
import { EventTail } from '../../terminal/event-tail.js';
import { TaskDigestBuilder } from './task-digest.js';

/**
 * How often the store and the event files of live tasks are read. The page is pushed what
 * changed; a person does not tell 300 ms from instant, and 1,000 task rows read that often
 * cost a few milliseconds.
 */
export const FEED_POLL_MS = 300;
/** A run (or task) that ended is still followed this long, for the events written just after the store's final state. */
const SETTLE_MS = 5_000;
/** Events of one task kept for its panel; older ones are only counted (the file keeps them all). */
const MAX_KEPT_EVENTS = 3_000;
/** Run events kept (plans, replans, merges): a run has few. */
const MAX_RUN_EVENTS = 2_000;
/** The supervisor is asked whether it lives this often (a socket round trip). */
const PING_EVERY_TICKS = 7;

export interface FeedClient {
  send(message: FeedMessage): void;
  /** The run whose tasks and events this client wants pushed. */
  watching: string | null;
}

/** What the events of one task came to so far, and (once its panel was opened) the events themselves. */
interface TaskEntry {
  taskId: string;
  runId: string;
  tail: EventTail;
  builder: TaskDigestBuilder;
  /** Events read so far (the index of the next one). */
  count: number;
  /** Kept once a page asked for the task's events; null until then. */
  kept: StoredEvent[] | null;
}

interface RunEntry {
  tail: EventTail;
  events: StoredEvent[];
  resolves: Record<string, string>;
}

const ZERO: Tokens = { input: 0, output: 0 };
const EMPTY_DIGEST: TaskDigest = new TaskDigestBuilder().value;

function add(a: Tokens, b: Tokens): Tokens {
  return { input: a.input + b.input, output: a.output + b.output };
}

/**
 * What the page adds to a run's view as `mcp status` shows it (runView, runHeadView): if its
 * supervisor is gone, where its durations stopped (the page counts its own up to there) and
 * the line that says what finishes it.
 */
function clockOf(run: RunRecord, summaries: readonly TaskSummary[], supervisor: RunSupervisor | undefined, now: number): RunClock {
  const stop = stoppedClock(run, summaries, supervisor, now);
  return { stoppedAt: stop === null ? null : new Date(stop).toISOString(), goneNote: supervisor === 'gone' ? supervisorGoneLine(run.id) : null };
}

/**
 * The dashboard's model of the state root: reads the store and tails the event files, and
 * pushes what changed to the pages connected. The store and the files are the truth; the
 * supervisor need not run (a finished run is shown read-only from them).
 */
export class StateFeed {
  private readonly clients = new Set<FeedClient>();
  private readonly tasks = new Map<string, TaskEntry>();
  private readonly runs = new Map<string, RunEntry>();
  /** Last pushed JSON of each task summary, per followed run. */
  private readonly lastTasks = new Map<string, Map<string, string>>();
  private lastHeads = '';
  private readonly heads = new Map<string, RunHead>();
  private lastInbox = '';
  private supervisor: SupervisorState = { live: false, pid: null };
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  /** The tick under way, if any. */
  private ticking: Promise<void> | null = null;

  /**
   * `storeOf` is asked at each read: the dashboard of a state root no run created yet reads
   * an empty store until one does, then the root's own.
   */
  constructor(
    private readonly storeOf: () => TaskStore,
    private readonly root: StateRoot,
    private readonly ping: () => Promise<SupervisorState>,
    private readonly pollMs = FEED_POLL_MS,
  ) {}

  private get store(): TaskStore {
    return this.storeOf();
  }

  async start(): Promise<void> {
    this.supervisor = await this.ping();
    // Runs that can still change are read now, before any page asks: the first page then
    // gets them from memory rather than from a thousand event files.
    this.readChanges();
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  add(client: FeedClient): void {
    this.clients.add(client);
    client.send({ type: 'supervisor', supervisor: this.supervisor });
    client.send({ type: 'inbox', ...this.inbox() });
  }

  /**
   * A page starts watching a run: it gets every task of it at once, so a change made between
   * its first read and this moment is not lost (later ones are pushed as they come).
   */
  watch(client: FeedClient, runId: string | null): void {
    client.watching = runId;
    const run = runId === null ? undefined : this.store.getRun(runId);
    if (!run) return;
    const summaries = this.store.taskSummaries(run.id);
    const now = Date.now();
    const clock = stoppedClock(run, summaries, this.supervisors()(run), now) ?? now;
    const tasks: TaskView[] = [];
    const digests: Record<string, TaskDigest> = {};
    for (const task of summaries) {
      tasks.push(taskView(task, clock));
      digests[task.id] = this.digest(task);
    }
    client.send({ type: 'tasks', runId: run.id, tasks, digests });
  }

  remove(client: FeedClient): void {
    this.clients.delete(client);
  }

  /**
   * Who runs each run, as `mcp status` tells it: a run whose supervisor died is `gone` even
   * while another supervisor answers the socket. One per look at the store: the lock is read
   * at most once, and only for an unfinished run.
   */
  private supervisors(): SupervisorOf {
    return supervisorOfRuns(this.root.lockPath);
  }

  get supervisorState(): SupervisorState {
    return this.supervisor;
  }

  // ---- what a page asks for ----

  runsReply(): RunsReply {
    const supervisorOf = this.supervisors();
    return { runs: this.store.listRuns().map((run) => this.head(run, supervisorOf)), supervisor: this.supervisor };
  }

  runReply(runId: string): RunReply {
    const record = this.store.resolveRun(runId);
    const summaries = this.store.taskSummaries(record.id);
    const now = Date.now();
    const view = runView(record, summaries, now, this.supervisors());
    const run = { ...view, ...clockOf(record, summaries, view.supervisor, now) };
    const digests: Record<string, TaskDigest> = {};
    let tokens = ZERO;
    for (const task of summaries) {
      const digest = this.digest(task);
      digests[task.id] = digest;
      tokens = add(tokens, digest.tokens);
    }
    const entry = this.runEntry(record.id);
    return { run, tokens, digests, events: entry.events, resolves: entry.resolves, supervisor: this.supervisor };
  }

  taskReply(ref: string): TaskReply {
    const record = this.store.resolveTask(ref);
    const entry = this.taskEntry(record);
    if (entry.kept === null) {
      // Read again from the start, this time keeping the events; pages already following the
      // task get what this read found beyond what they had.
      const fresh: TaskEntry = { ...entry, tail: new EventTail(entry.tail.file), builder: new TaskDigestBuilder(), count: 0, kept: [] };
      const { events } = this.catchUp(fresh, false);
      this.tasks.set(record.id, fresh);
      const newer = events.slice(entry.count);
      if (newer.length > 0) this.pushEvents(fresh, entry.count, newer);
      return this.taskReplyOf(record, fresh);
    }
    this.catchUp(entry);
    return this.taskReplyOf(record, entry);
  }

  private taskReplyOf(record: ReturnType<TaskStore['resolveTask']>, entry: TaskEntry): TaskReply {
    const kept = entry.kept ?? [];
    let lastMessage: string | null = null;
    try {
      lastMessage = readFileSync(this.root.taskFiles(record.id).lastMessage, 'utf8');
    } catch {
      /* none yet */
    }
    return {
      task: { ...taskView(record), runId: record.runId, prompt: record.prompt, command: record.command, acceptance: record.acceptance },
      digest: entry.builder.value,
      events: kept,
      eventsEnd: entry.count,
      lastMessage,
    };
  }

  /**
   * What waits for a person across runs. An answer reaches a task through its run's
   * supervisor: what waits in a run whose supervisor is gone is not offered (Approve would
   * fail), the run is named instead with what finishes it, as `mcp status --waiting` does.
   */
  inbox(supervisorOf = this.supervisors()): Inbox {
    const items: InboxItem[] = [];
    const stranded: StrandedRun[] = [];
    for (const run of this.store.listRuns()) {
      if (isFinalRunState(run.status)) continue;
      const waiting = this.waitingIn(run);
      if (waiting.length === 0) continue;
      if (supervisorOf(run) === 'gone') stranded.push({ runId: run.id, waiting: waiting.length, note: supervisorGoneLine(run.id) });
      else items.push(...waiting);
    }
    return { items, stranded };
  }

  /** The approvals and messages a run's tasks wait for, as their events tell. */
  private waitingIn(run: RunRecord): InboxItem[] {
    const items: InboxItem[] = [];
    for (const task of this.store.taskSummaries(run.id)) {
      if (task.status !== 'waiting_approval' && task.status !== 'waiting_input' && task.status !== 'running') continue;
      const digest = this.digest(task);
      for (const approval of digest.approvals) {
        items.push({ runId: run.id, taskId: task.id, key: task.key, title: task.title, kind: 'approval', approval, since: approval.since });
      }
      if (digest.approvals.length === 0 && digest.waitingInput) {
        items.push({ runId: run.id, taskId: task.id, key: task.key, title: task.title, kind: 'input', approval: null, since: digest.lastAt });
      }
    }
    return items;
  }

  // ---- reading ----

  private taskEntry(task: { id: string; runId: string }): TaskEntry {
    let entry = this.tasks.get(task.id);
    if (!entry) {
      entry = { taskId: task.id, runId: task.runId, tail: new EventTail(this.root.taskFiles(task.id).events), builder: new TaskDigestBuilder(), count: 0, kept: null };
      this.tasks.set(task.id, entry);
    }
    return entry;
  }

  /**
   * Reads what was appended and, whoever asked, pushes it to the pages watching the run:
   * a read made for one page's request must not hide events from another page.
   */
  private catchUp(entry: TaskEntry, push = true): { from: number; events: StoredEvent[] } {
    const from = entry.count;
    const events = entry.tail.readAll();
    for (const event of events) {
      entry.builder.add(event);
      entry.kept?.push(event);
    }
    entry.count += events.length;
    if (entry.kept && entry.kept.length > MAX_KEPT_EVENTS) entry.kept.splice(0, entry.kept.length - MAX_KEPT_EVENTS);
    if (push && events.length > 0) this.pushEvents(entry, from, events);
    return { from, events };
  }

  private pushEvents(entry: TaskEntry, from: number, events: StoredEvent[]): void {
    this.broadcast({ type: 'events', runId: entry.runId, taskId: entry.taskId, from, events }, entry.runId);
    this.broadcast({ type: 'tasks', runId: entry.runId, tasks: [], digests: { [entry.taskId]: entry.builder.value } }, entry.runId);
  }

  private digest(task: { id: string; runId: string; startedAt: string | null }): TaskDigest {
    // A task that never started has written nothing: no file to look for (1,000 pending tasks).
    if (!task.startedAt && !this.tasks.has(task.id)) return EMPTY_DIGEST;
    const entry = this.taskEntry(task);
    this.catchUp(entry);
    return entry.builder.value;
  }

  private runEntry(runId: string): RunEntry {
    let entry = this.runs.get(runId);
    if (!entry) {
      entry = { tail: new EventTail(this.root.runFiles(runId).events), events: [], resolves: {} };
      this.runs.set(runId, entry);
    }
    this.readRunEvents(entry);
    return entry;
  }

  private readRunEvents(entry: RunEntry): StoredEvent[] {
    const events = entry.tail.readAll();
    for (const event of events) {
      entry.events.push(event);
      if (event.type === 'merge.conflict' && event.resolver) entry.resolves[event.resolver] = event.task;
    }
    if (entry.events.length > MAX_RUN_EVENTS) entry.events.splice(0, entry.events.length - MAX_RUN_EVENTS);
    return events;
  }

  /** A run that can no longer change keeps its head: 10,000 finished tasks are not recounted each tick. */
  private cachedHead(run: RunRecord, now: number, supervisorOf: SupervisorOf): RunHead {
    if (this.followed(run, now)) {
      this.heads.delete(run.id);
      return this.head(run, supervisorOf);
    }
    let head = this.heads.get(run.id);
    if (!head) {
      head = this.head(run, supervisorOf);
      this.heads.set(run.id, head);
    }
    return head;
  }

  private head(run: RunRecord, supervisorOf: SupervisorOf): RunHead {
    const summaries = this.store.taskSummaries(run.id);
    const now = Date.now();
    // The list shows no task: their views are not built (a followed run's head is read every tick).
    const rest = runHeadView(run, summaries, now, supervisorOf);
    let tokens = ZERO;
    for (const task of summaries) {
      if (task.kind === 'prompt' && task.startedAt) tokens = add(tokens, this.digest(task).tokens);
    }
    return { ...rest, ...clockOf(run, summaries, rest.supervisor, now), tokens };
  }

  // ---- pushing ----

  private broadcast(message: FeedMessage, runId?: string): void {
    for (const client of this.clients) {
      if (runId === undefined || client.watching === runId) client.send(message);
    }
  }

  /** Runs that can still change: not ended, or ended a moment ago. */
  private followed(run: RunRecord, now: number): boolean {
    return !isFinalRunState(run.status) || !run.endedAt || now - Date.parse(run.endedAt) < SETTLE_MS;
  }

  private live(task: TaskSummary, now: number): boolean {
    if (!task.startedAt) return false;
    return !task.endedAt || now - Date.parse(task.endedAt) < SETTLE_MS;
  }

  /** Reads what changed and pushes it; a tick asked for while one is under way is that one. */
  tick(): Promise<void> {
    this.ticking ??= this.readAndPush().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  /**
   * The last changes reach the pages before the server stops (`mcp run --ui` stops right after
   * its run ended): a tick under way may have read the store before them, or still be waiting
   * for the supervisor's answer, so the store is read once more after it.
   */
  async flush(): Promise<void> {
    await this.ticking;
    if (this.clients.size > 0) this.readChanges();
  }

  private async readAndPush(): Promise<void> {
    this.ticks += 1;
    if (this.ticks % PING_EVERY_TICKS === 0) {
      const supervisor = await this.ping();
      if (supervisor.live !== this.supervisor.live || supervisor.pid !== this.supervisor.pid) {
        this.supervisor = supervisor;
        this.broadcast({ type: 'supervisor', supervisor });
      }
    }
    if (this.clients.size === 0) return;
    this.readChanges();
  }

  private readChanges(): void {
    const now = Date.now();
    const supervisorOf = this.supervisors();
    const records = this.store.listRuns();
    for (const run of records) {
      if (this.followed(run, now)) this.followRun(run, now, supervisorOf);
    }
    const heads = records.map((run) => this.cachedHead(run, now, supervisorOf));
    const headsJson = JSON.stringify(heads.map(({ durationMs, ...rest }) => (void durationMs, rest)));
    if (headsJson !== this.lastHeads) {
      this.lastHeads = headsJson;
      this.broadcast({ type: 'runs', runs: heads });
    }
    const inbox = this.inbox(supervisorOf);
    const inboxJson = JSON.stringify(inbox);
    if (inboxJson !== this.lastInbox) {
      this.lastInbox = inboxJson;
      this.broadcast({ type: 'inbox', ...inbox });
    }
  }

  private followRun(run: RunRecord, now: number, supervisorOf: SupervisorOf): void {
    const previous = this.lastTasks.get(run.id) ?? new Map<string, string>();
    const next = new Map<string, string>();
    const changed: TaskView[] = [];
    const digests: Record<string, TaskDigest> = {};
    const summaries = this.store.taskSummaries(run.id);
    const clock = stoppedClock(run, summaries, supervisorOf(run), now) ?? now;
    for (const task of summaries) {
      const view = taskView(task, clock);
      const json = JSON.stringify({ ...view, durationMs: null });
      next.set(task.id, json);
      const moved = previous.get(task.id) !== json;
      // Events of a live task are pushed by catchUp with its digest.
      if (this.live(task, now) || moved) this.catchUp(this.taskEntry(task));
      if (moved) {
        changed.push(view);
        digests[task.id] = this.taskEntry(task).builder.value;
      }
    }
    this.lastTasks.set(run.id, next);
    if (changed.length > 0) this.broadcast({ type: 'tasks', runId: run.id, tasks: changed, digests }, run.id);
    const entry = this.runs.get(run.id);
    if (entry) {
      const events = this.readRunEvents(entry);
      if (events.length > 0) this.broadcast({ type: 'run-events', runId: run.id, events, resolves: entry.resolves }, run.id);
    }
  }
}
