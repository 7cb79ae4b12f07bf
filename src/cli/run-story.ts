import { isTaskEvent, type RunEvent, type StoredEvent } from '../domain/events.js';
import { isFinalRunState } from '../domain/task-state.js';
import type { RunRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { EventTail } from '../terminal/event-tail.js';
import { planText } from './plan-text.js';
import { formatTime, printable } from './render/format.js';
import { newsLine, runNewsText } from './render/run-news.js';
import { taskChangeLine } from './render/task-change.js';

/**
 * `mcp logs RUN`: the run told as `mcp run` printed it — its plan, each task's start and
 * end with its reason, replans, conflicts and where the result went — rebuilt from the
 * run's own events and its tasks', so it reads the same after a detached run, a crash, or
 * from another terminal. A task's own doings are in `mcp logs TASK`.
 */
export class RunStory {
  /** Each events file, followed from where the last call stopped (whole lines only). */
  private readonly tails = new Map<string, EventTail>();
  /** Whether the run's first plan has been told (or will be, by its `planned` event). */
  private planTold = false;

  constructor(
    private readonly root: StateRoot,
    private readonly store: TaskStore,
    private readonly runId: string,
  ) {}

  /** The lines of what happened since the last call, in time order across the run and its tasks. */
  next(): string {
    const keys = new Map<string, string>();
    for (const task of this.store.tasksOf(this.runId)) keys.set(task.id, task.key);
    const files = [this.root.runFiles(this.runId).events, ...[...keys.keys()].map((id) => this.root.taskFiles(id).events)];
    const events = files.flatMap((file) => this.tailOf(file).readAll());
    // ISO timestamps sort as text; a stable sort keeps each file's own order for equal ones.
    events.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    return this.givenPlan(events) + events.map((event) => this.line(event, keys.get(event.task))).join('');
  }

  /**
   * A plan given to `mcp run --plan` (or `--task`) is stored with the run, never planned:
   * no `planned` event tells it, so it is told first, at the run's creation. A run planned
   * from an objective has its `planning` event before any plan is stored.
   */
  private givenPlan(events: readonly StoredEvent[]): string {
    if (this.planTold) return '';
    if (events.some((event) => event.type === 'planning')) {
      this.planTold = true;
      return '';
    }
    const run = this.store.getRun(this.runId);
    const text = planText(this.store, this.runId, 1);
    if (!run || text === null) return '';
    this.planTold = true;
    return newsLine(run.createdAt, text);
  }

  /** The run's last line: how it ended, once it has. */
  ending(run: RunRecord): string {
    if (!isFinalRunState(run.status)) return '';
    const result = run.resultBranch ? `; result: ${run.resultBranch}` : '';
    return `${formatTime(run.endedAt)}  run ${run.id} ${run.status}${run.reason ? `: ${printable(run.reason)}` : ''}${result}\n`;
  }

  private line(event: StoredEvent, key: string | undefined): string {
    if (!isTaskEvent(event)) {
      const text = runNewsText(event as RunEvent, (version) => planText(this.store, this.runId, version));
      return text === null ? '' : newsLine(event.ts, text);
    }
    if (key === undefined) return '';
    // A task's start is its `started` (with the attempt); `ready` is a wait for a slot.
    if (event.type === 'started') return taskChangeLine(event.ts, key, 'running', null, event.attempt);
    if (event.type === 'state' && event.to !== 'ready' && event.to !== 'running') return taskChangeLine(event.ts, key, event.to, event.reason ?? null, 1);
    return '';
  }

  private tailOf(file: string): EventTail {
    let tail = this.tails.get(file);
    if (!tail) this.tails.set(file, (tail = new EventTail(file)));
    return tail;
  }
}
