import type { PersonDecision, StoredEvent } from '../domain/events.js';
import type { RunView, TaskView } from '../store/views.js';

/**
 * What the dashboard's server sends its page, as types only: the page bundles none of the
 * server's code, and both sides are checked against one shape.
 */

export type { PersonDecision, StoredEvent, RunView, TaskView };

export interface Tokens {
  input: number;
  output: number;
}

/** An approval Codex asked for that nobody answered yet. */
export interface PendingApproval {
  id: number;
  kind: string;
  command: string | null;
  cwd: string | null;
  files: string[];
  reason: string | null;
  since: string;
}

/** What the events of one task come to: shown in the graph, the list and the inbox. */
export interface TaskDigest {
  tokens: Tokens;
  /** The last event worth a line in the page (a command, a message, an edit), null before any. */
  last: StoredEvent | null;
  /** When the task last wrote any event. */
  lastAt: string | null;
  approvals: PendingApproval[];
  /** The task waits for a person's message (an interactive session between turns). */
  waitingInput: boolean;
}

/**
 * What the page shows of a run's supervisor beyond its view, as `mcp status` says it: a run
 * whose supervisor is gone (`supervisor: 'gone'`) moves no more until `mcp resume`.
 */
export interface RunClock {
  /**
   * Where the durations of a run whose supervisor is gone stop (the last change the store
   * holds of it, as `mcp status` counts them); null while they count up to now. The page
   * counts durations itself, up to this.
   */
  stoppedAt: string | null;
  /** `mcp status`'s line under such a run (what finishes it), or null. */
  goneNote: string | null;
}

export type RunHead = Omit<RunView, 'tasks'> & RunClock & { tokens: Tokens };

export interface RunsReply {
  runs: RunHead[];
  supervisor: SupervisorState;
}

export interface RunReply {
  run: RunView & RunClock;
  tokens: Tokens;
  digests: Record<string, TaskDigest>;
  events: StoredEvent[];
  /** Conflict-resolver task key → the key of the task whose merge it resolves. */
  resolves: Record<string, string>;
  supervisor: SupervisorState;
}

export interface TaskReply {
  task: TaskView & { runId: string; prompt: string | null; command: string[] | null; acceptance: string | null };
  digest: TaskDigest;
  /** The task's latest events (older ones are left out to keep the page light). */
  events: StoredEvent[];
  /** How many events the task has written in all: `events` are the last of them. */
  eventsEnd: number;
  lastMessage: string | null;
}

export interface DiffReply {
  diff: string;
  /** What the diff is between, for a person ("mcp/r1-a against 3f2a1c0"). */
  between: string;
  truncated: boolean;
  note: string | null;
}

export interface InboxItem {
  runId: string;
  taskId: string;
  key: string;
  title: string;
  kind: 'approval' | 'input';
  approval: PendingApproval | null;
  since: string | null;
}

/**
 * A run with tasks waiting for an answer that nobody can pass on: an answer reaches a task
 * through its run's supervisor, and that is gone. The inbox names the run instead of
 * offering them (`mcp status --waiting` does the same).
 */
export interface StrandedRun {
  runId: string;
  /** What the inbox would have offered in it (approvals and messages). */
  waiting: number;
  /** `mcp status`'s line: the supervisor is gone, and `mcp resume RUN` finishes the run. */
  note: string;
}

/** Every approval and message a person can answer now, and the runs where they wait in vain. */
export interface Inbox {
  items: InboxItem[];
  stranded: StrandedRun[];
}

export interface SupervisorState {
  live: boolean;
  pid: number | null;
}

/** The reply of an action button: the supervisor's own reply (or mcp's), shown as is. */
export interface ActionReply {
  ok: boolean;
  message: string;
  reply?: unknown;
}

/** Pushed over the page's WebSocket. */
export type FeedMessage =
  | { type: 'runs'; runs: RunHead[] }
  | { type: 'tasks'; runId: string; tasks: TaskView[]; digests: Record<string, TaskDigest> }
  /** New events of a task; `from` is the index of the first, so a page never takes one twice. */
  | { type: 'events'; runId: string; taskId: string; from: number; events: StoredEvent[] }
  | { type: 'run-events'; runId: string; events: StoredEvent[]; resolves: Record<string, string> }
  | ({ type: 'inbox' } & Inbox)
  | { type: 'supervisor'; supervisor: SupervisorState };

/** From the page over the same WebSocket: which run's details it wants pushed. */
export type FeedRequest = { op: 'watch'; runId: string | null };
