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

export type RunHead = Omit<RunView, 'tasks'> & { tokens: Tokens };

export interface RunsReply {
  runs: RunHead[];
  supervisor: SupervisorState;
}

export interface RunReply {
  run: RunView;
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
  | { type: 'inbox'; items: InboxItem[] }
  | { type: 'supervisor'; supervisor: SupervisorState };

/** From the page over the same WebSocket: which run's details it wants pushed. */
export type FeedRequest = { op: 'watch'; runId: string | null };
