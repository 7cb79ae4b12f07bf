import { isWaitingForPerson, type TaskState } from '../../domain/task-state.js';
import type { TaskActivity } from '../task-activity.js';
import { statePainter } from './color.js';
import { fitLine, formatDuration, printable } from './format.js';
import { terminalSize } from './terminal-size.js';

/** What the live view needs of a task: a subset of the store's task summary. */
export interface LiveTask {
  id: string;
  key: string;
  kind: 'prompt' | 'command';
  status: string;
  attempts: number;
  dependsOn: string[];
  startedAt: string | null;
  endedAt: string | null;
  reason: string | null;
}

export interface LiveRun {
  id: string;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  tasks: LiveTask[];
}

/** Where frames come from: the store for states, the tasks' event logs for activity. */
export interface LiveSource {
  runs(): LiveRun[];
  /** `fresh`: read the newest events now (the final frame), not at most every so often. */
  activity(task: LiveTask, now: number, fresh: boolean): TaskActivity | undefined;
}

/** The terminal the view draws on (a tty.WriteStream, or a fake in tests). */
export interface LiveOut {
  write(text: string): boolean;
  columns?: number;
  rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

export interface FrameOptions {
  now: number;
  /** Terminal columns; every line is cut to one less, so none ever wraps. */
  width: number;
  /** Terminal rows, when known: the frame stays shorter, so cursor-up always reaches its top. */
  height?: number;
  /** Which spinner frame running tasks show. */
  spin: number;
  /** The last frame: no spinner, it stays in the scrollback. */
  final: boolean;
  color: boolean;
}

/**
 * Redraws at most this often (4 a second): fast enough that a spinner looks alive, slow
 * enough that a terminal over ssh is not flooded.
 */
export const FRAME_MS = 250;

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MARKS: Readonly<Record<string, string>> = {
  succeeded: '✓',
  failed: '✗',
  timed_out: '✗',
  killed: '✗',
  blocked: '-',
  waiting_approval: '?',
  waiting_input: '?',
  retrying: '↻',
  interrupted: '!',
};
const MOVING = new Set(['running', 'retrying', 'waiting_approval', 'waiting_input', 'planning']);

const HIDE_CURSOR = '\x1b[?25l';
const BELL = '\x07';
const SHOW_CURSOR = '\x1b[?25h';
const CLEAR_LINE = '\x1b[2K';
const CLEAR_BELOW = '\x1b[J';

function cursorUp(lines: number): string {
  return lines > 0 ? `\x1b[${lines}A\r` : '';
}

/** `950`, `12.3k`, `4.1M`: token counts at a glance. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function elapsed(startedAt: string | null, endedAt: string | null, now: number): string {
  if (!startedAt) return '-';
  return formatDuration(Math.max(0, (endedAt ? Date.parse(endedAt) : now) - Date.parse(startedAt)));
}

/** A row that waits for a person says so first: it is the one thing the person must act on. */
const WAITS_FOR_YOU = 'waits for you: ';

function activityText(task: LiveTask, activity: TaskActivity | undefined): string {
  if (isWaitingForPerson(task.status as TaskState)) return `${WAITS_FOR_YOU}${printable(task.reason ?? task.status)}`;
  if (task.reason && task.status !== 'succeeded') return printable(task.reason);
  if (activity?.last) return activity.last;
  if ((task.status === 'pending' || task.status === 'ready') && task.dependsOn.length > 0) return `after ${task.dependsOn.join(', ')}`;
  return '';
}

/**
 * One frame: a heading, one line per task (mark or spinner, key, state, time, tries, what it
 * did last), and per run a line with its state, counts and tokens. When the tasks do not fit
 * the window, moving and failed ones are kept and the rest counted.
 */
export function renderFrame(runs: readonly LiveRun[], activityOf: (task: LiveTask) => TaskActivity | undefined, options: FrameOptions): string[] {
  const paint = statePainter(options.color);
  const all = runs.flatMap((run) => run.tasks);
  const keyWidth = Math.max(4, ...all.map((t) => [...t.key].length));
  const stateWidth = Math.max(5, ...all.map((t) => t.status.length));
  const budget = options.height !== undefined ? Math.max(1, options.height - 2 - runs.length) : Infinity;
  const shown = chooseShown(all, budget);
  const lines = [`  ${'TASK'.padEnd(keyWidth)}  ${'STATE'.padEnd(stateWidth)}  ${'TIME'.padStart(6)}  TRIES  ACTIVITY`];
  for (const run of runs) {
    let input = 0;
    let output = 0;
    const counts = new Map<string, number>();
    for (const task of run.tasks) {
      const activity = activityOf(task);
      input += activity?.inputTokens ?? 0;
      output += activity?.outputTokens ?? 0;
      counts.set(task.status, (counts.get(task.status) ?? 0) + 1);
      if (!shown.has(task.id)) continue;
      const mark = task.status === 'running' && !options.final ? (SPINNER[options.spin % SPINNER.length] ?? '*') : (MARKS[task.status] ?? ' ');
      const time = elapsed(task.startedAt, task.endedAt, options.now);
      const line = `${paint(task.status, mark)} ${task.key.padEnd(keyWidth)}  ${paint(task.status, task.status.padEnd(stateWidth))}  ${time.padStart(6)}  ${String(task.attempts).padEnd(5)}  ${activityText(task, activity)}`;
      lines.push(line.trimEnd());
    }
    const tally = [...counts].map(([state, n]) => `${n} ${paint(state)}`).join(', ');
    const planning = run.status === 'planning' && !options.final ? `${SPINNER[options.spin % SPINNER.length] ?? '*'} Codex is planning` : '';
    const tokens = input + output > 0 ? `tokens ${formatCount(input)} in, ${formatCount(output)} out` : '';
    lines.push([`run ${run.id}`, paint(run.status), elapsed(run.startedAt, run.endedAt, options.now), tally || planning, tokens].filter(Boolean).join('  ·  '));
  }
  const hidden = all.length - shown.size;
  if (hidden > 0) lines.push(`… ${hidden} more task${hidden === 1 ? '' : 's'} (mcp status shows all)`);
  return lines.map((line) => fitLine(line, options.width - 1));
}

/** Which tasks get a line when not all fit: moving ones first, then failed ones, then plan order. */
function chooseShown(tasks: readonly LiveTask[], budget: number): Set<string> {
  if (tasks.length <= budget) return new Set(tasks.map((t) => t.id));
  const room = Math.max(0, budget - 1); // one line says how many are hidden
  const rank = (t: LiveTask): number => (MOVING.has(t.status) ? 0 : t.status === 'failed' || t.status === 'timed_out' ? 1 : 2);
  const ordered = tasks.map((t, i) => ({ t, i })).sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i);
  return new Set(ordered.slice(0, room).map(({ t }) => t.id));
}

/**
 * A table that redraws itself in place at the bottom of the terminal: the cursor goes back
 * up over the last frame and each line is cleared and rewritten (the scrollback above is
 * never touched). Lines printed through `print` go above it and stay.
 */
export class LiveView {
  private drawn = 0;
  private spin = 0;
  private waiting = new Set<string>();
  private dirty = true;
  private moving = true;
  private ticker: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly restoreCursor = (): void => {
    this.out.write(SHOW_CURSOR);
  };
  private readonly resized = (): void => {
    this.dirty = true;
  };

  /**
   * `onError`: drawing failed (the store could not be read): the view has stopped and given
   * the cursor back; the caller goes on without it. A view must never take the run down.
   */
  constructor(
    private readonly out: LiveOut,
    private readonly source: LiveSource,
    private readonly color: boolean,
    private readonly clock: () => number = Date.now,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Drawing: started, not yet stopped or failed. */
  get active(): boolean {
    return this.ticker !== null && !this.stopped;
  }

  start(): void {
    this.out.write(HIDE_CURSOR);
    // A crash or process.exit must not leave the user's terminal without a cursor.
    process.once('exit', this.restoreCursor);
    this.out.on?.('resize', this.resized);
    this.ticker = setInterval(() => this.tick(), FRAME_MS);
    this.ticker.unref();
    this.safely(() => this.draw());
  }

  /** Something changed (a task transition): the next tick redraws. */
  changed(): void {
    this.dirty = true;
  }

  /** Lines that stay (notices, warnings), written above the table. */
  print(text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`;
    if (!this.active) {
      this.out.write(line);
      return;
    }
    this.out.write(`${cursorUp(this.drawn)}${CLEAR_BELOW}${line}`);
    this.drawn = 0;
    this.safely(() => this.draw());
  }

  /** Replaces the live table by its final state, without spinner, and gives the cursor back. */
  stop(): void {
    if (!this.active) return;
    this.safely(() => {
      const lines = this.frame(true);
      this.out.write(`${cursorUp(this.drawn)}${CLEAR_BELOW}${lines.map((l) => `${l}\n`).join('')}`);
      this.drawn = 0;
    });
    this.halt();
  }

  private halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    this.out.off?.('resize', this.resized);
    process.off('exit', this.restoreCursor);
    this.out.write(SHOW_CURSOR);
  }

  private safely(draw: () => void): void {
    try {
      draw();
    } catch (error) {
      this.halt();
      this.onError(error);
    }
  }

  private tick(): void {
    if (!this.active || (!this.dirty && !this.moving)) return;
    this.spin += 1;
    this.safely(() => this.draw());
  }

  private frame(final: boolean): string[] {
    const now = this.clock();
    const runs = this.source.runs();
    this.ringForNewWaits(runs);
    this.moving = runs.some((run) => MOVING.has(run.status) || run.tasks.some((t) => MOVING.has(t.status)));
    const size = terminalSize(this.out);
    return renderFrame(runs, (task) => this.source.activity(task, now, final), {
      now,
      width: size.columns,
      // No rows at all: not a terminal's stream, nothing scrolls away.
      height: this.out.rows === undefined ? undefined : size.rows,
      spin: this.spin,
      final,
      color: this.color,
    });
  }

  /** The bell, once, each time a task starts waiting for a person (not at every redraw). */
  private ringForNewWaits(runs: readonly LiveRun[]): void {
    const waiting = new Set(runs.flatMap((run) => run.tasks.filter((t) => isWaitingForPerson(t.status as TaskState)).map((t) => `${t.id}:${t.status}`)));
    if ([...waiting].some((id) => !this.waiting.has(id))) this.out.write(BELL);
    this.waiting = waiting;
  }

  private draw(): void {
    this.dirty = false;
    const lines = this.frame(false);
    const rewrite = lines.map((line) => `${CLEAR_LINE}${line}\n`).join('');
    this.out.write(`${cursorUp(this.drawn)}${rewrite}${lines.length < this.drawn ? CLEAR_BELOW : ''}`);
    this.drawn = lines.length;
  }
}
