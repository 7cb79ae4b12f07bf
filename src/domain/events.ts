import * as z from 'zod';
import { TASK_STATES } from './task-state.js';

/**
 * Everything mcp writes to an `events.ndjson` and sends to a viewer, as one discriminated
 * union: the writers are typed by it, and every reader (live view, status, logs, the web
 * page) parses with it. Field names are mcp's own: what Codex calls things is translated
 * in `agents/`, once. A line is `{"ts", "task", "type", ...fields}`; `task` is the run id
 * in a run's own log and `planner` in a planner's.
 */

/** What a person (or a rule) may answer; Codex may also cancel a request itself. */
export const PERSON_DECISIONS = ['accept', 'accept_for_session', 'decline'] as const;
export type PersonDecision = (typeof PERSON_DECISIONS)[number];

/**
 * The schemas are built when first used, not at import: `mcp run` imports this module for
 * its types and its readers, and building some sixty zod schemas took about 4 ms of every
 * run's start.
 */
function buildSchemas() {
  const state = z.enum(TASK_STATES);
  const text = z.string();

  /** Who answered an approval: a person (through which door) or a rule of mcp.config.json. */
  const decider = z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('person'), user: text, uid: z.number().nullable(), pid: z.number().nullable(), via: z.enum(['cli', 'tui', 'ui']) }),
    z.object({ kind: z.literal('rule'), rule: text, list: z.enum(['allow', 'deny']) }),
  ]);
  const approvalKind = z.enum(['command', 'file_change', 'permissions', 'user_input', 'other']);
  const approvalDecision = z.enum([...PERSON_DECISIONS, 'cancel']);
  const usage = z.object({
    inputTokens: z.number(),
    cachedInputTokens: z.number().optional(),
    outputTokens: z.number(),
    reasoningTokens: z.number().optional(),
  });
  const fileChange = z.object({ path: text, kind: text });

  /** What happens to one task (runs/<taskId>/events.ndjson). */
  const taskEvents = [
    z.object({ type: z.literal('state'), from: state, to: state, reason: text.optional() }),
    z.object({ type: z.literal('started'), pid: z.number(), argv: z.array(text), cwd: text, attempt: z.number() }),
    z.object({
      type: z.literal('exit'),
      exitCode: z.number().nullable(),
      signal: text.nullable(),
      bytes: z.number(),
      stoppedBy: text.nullable(),
      logError: text.optional(),
    }),
    z.object({ type: z.literal('committed'), branch: text, changed: z.boolean() }),
    z.object({ type: z.literal('error'), message: text }),
    z.object({ type: z.literal('spawn.refused'), message: text }),
    z.object({ type: z.literal('superseded'), version: z.number() }),
    z.object({ type: z.literal('resume'), sessionId: text }),
    z.object({
      type: z.literal('approval.requested'),
      id: z.number(),
      kind: approvalKind,
      command: text.optional(),
      cwd: text.optional(),
      files: z.array(text).optional(),
      reason: text.nullable().optional(),
    }),
    z.object({
      type: z.literal('approval.decided'),
      id: z.number(),
      decision: approvalDecision,
      command: text.optional(),
      by: decider,
      at: text,
    }),
    /** A question that will not be answered: its attempt ended (a kill, a timeout), Codex no longer asks it, or the supervisor that held it died. */
    z.object({ type: z.literal('approval.withdrawn'), id: z.number(), reason: text }),
    z.object({ type: z.literal('input.waiting') }),
    /** The `notify` hook of mcp.config.json ran because the task started waiting for a person. */
    z.object({ type: z.literal('notified'), command: z.array(text), ok: z.boolean(), message: text.optional() }),
    z.object({ type: z.literal('input.sent'), text, by: decider.optional() }),
    // What the Codex session did (from `codex exec --json` or the app-server protocol).
    z.object({ type: z.literal('codex.session'), sessionId: text }),
    z.object({ type: z.literal('codex.turn_started') }),
    z.object({ type: z.literal('codex.turn_completed'), status: text }),
    z.object({ type: z.literal('codex.turn_failed'), message: text }),
    z.object({ type: z.literal('codex.command_started'), command: text }),
    z.object({ type: z.literal('codex.command'), command: text, exitCode: z.number().nullable(), status: text.optional(), output: text.optional() }),
    z.object({ type: z.literal('codex.file_change'), changes: z.array(fileChange), status: text.optional() }),
    z.object({ type: z.literal('codex.message'), text }),
    z.object({ type: z.literal('codex.reasoning'), text }),
    z.object({ type: z.literal('codex.usage'), usage: usage }),
    z.object({ type: z.literal('codex.warning'), message: text }),
    z.object({ type: z.literal('codex.error'), message: text }),
    z.object({ type: z.literal('codex.item'), itemType: text }),
  ] as const;

  /** What happens to a run as a whole (its own events.ndjson), and to its planner. */
  const runEvents = [
    z.object({ type: z.literal('planning'), objective: text }),
    z.object({ type: z.literal('planned'), version: z.number(), tasks: z.array(text) }),
    z.object({ type: z.literal('planner.notice'), message: text }),
    z.object({ type: z.literal('planning.failed'), message: text }),
    z.object({ type: z.literal('planning.stopped') }),
    z.object({ type: z.literal('replan.started'), version: z.number(), failedTask: text }),
    z.object({ type: z.literal('replan'), version: z.number(), tasks: z.array(text) }),
    z.object({ type: z.literal('replan.failed'), version: z.number(), message: text }),
    z.object({ type: z.literal('replan.stalled'), version: z.number(), message: text }),
    z.object({ type: z.literal('replan.exhausted'), task: text, maxReplans: z.number() }),
    z.object({ type: z.literal('merge.conflict'), task: text, files: z.array(text), resolver: text.optional() }),
    z.object({ type: z.literal('merged'), task: text.optional(), branch: text }),
    z.object({ type: z.literal('patched'), patch: text }),
    z.object({ type: z.literal('planner.started'), attempt: z.number(), argv: z.array(text) }),
    z.object({ type: z.literal('planner.exit'), attempt: z.number(), exitCode: z.number().nullable(), signal: text.nullable(), stoppedBy: text.nullable() }),
    z.object({ type: z.literal('planner.invalid_answer'), attempt: z.number(), error: text }),
  ] as const;

  return {
    decider,
    approvalKind,
    approvalDecision,
    usage,
    taskEvent: z.discriminatedUnion('type', taskEvents),
    runEvent: z.discriminatedUnion('type', runEvents),
    anyEvent: z.discriminatedUnion('type', [...taskEvents, ...runEvents]),
    envelope: z.object({ ts: z.string(), task: z.string() }),
    taskEventTypes: new Set<string>(taskEvents.map((schema) => schema.shape.type.value)),
  };
}

type Schemas = ReturnType<typeof buildSchemas>;
let built: Schemas | undefined;
function schemas(): Schemas {
  built ??= buildSchemas();
  return built;
}

export type Decider = z.infer<Schemas['decider']>;
export type ApprovalKind = z.infer<Schemas['approvalKind']>;
export type ApprovalDecision = z.infer<Schemas['approvalDecision']>;
export type TokenUsage = z.infer<Schemas['usage']>;
export type TaskEvent = z.infer<Schemas['taskEvent']>;
export type RunEvent = z.infer<Schemas['runEvent']>;
export type McpEvent = z.infer<Schemas['anyEvent']>;
export type McpEventType = McpEvent['type'];

/** A line as stored: the event and its envelope. */
export type StoredEvent = McpEvent & { ts: string; task: string };

/**
 * One line of an events.ndjson, or null: a torn last line (a crash mid-write), or an event
 * this version does not know (a newer mcp wrote it) is skipped, never an error.
 */
export function parseEventLine(line: string): StoredEvent | null {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return null;
  }
  const { envelope, anyEvent } = schemas();
  const head = envelope.safeParse(data);
  const event = anyEvent.safeParse(data);
  if (!head.success || !event.success) return null;
  return { ...event.data, ts: head.data.ts, task: head.data.task };
}

export function isTaskEvent(event: McpEvent): event is TaskEvent {
  return schemas().taskEventTypes.has(event.type);
}
