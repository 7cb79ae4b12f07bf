import * as z from 'zod';
import { PERSON_DECISIONS } from '../domain/events.js';

/**
 * The supervisor's socket speaks one JSON object a line each way (until an attach turns
 * the connection into frames). Requests and replies both have a schema; a refusal carries
 * a code the client acts on, never text to match.
 */

/**
 * The schemas are built when first used: a supervisor imports this module at start, and
 * most runs never see a client.
 */
function buildRequestSchema() {
  const id = z.string().min(1).max(200);
  /** Who sends a request that a person decides (approve, send, done): recorded in the events. */
  const person = z.object({ user: z.string().max(200), uid: z.number().int().nullable(), pid: z.number().int().nullable() }).strict();
  /** Where the person is: the command line, or the web page. */
  const via = z.enum(['cli', 'ui']).default('cli');

  return z.discriminatedUnion('op', [
    z.object({ op: z.literal('ping') }).strict(),
    /** Target: a task id, a run id, or "all". */
    z.object({ op: z.literal('kill'), target: id }).strict(),
    /**
     * Reach a task. A command task's PTY streams: after the reply line the connection carries
     * frames both ways (attach-frames.ts). A Codex session answers where its thread is, for
     * the Codex TUI (`codex resume --remote`), and the connection ends.
     */
    z.object({ op: z.literal('attach'), task: id, cols: z.number().int().min(1).max(1000).optional(), rows: z.number().int().min(1).max(1000).optional(), by: person.optional() }).strict(),
    /** Answer an approval a task waits on. */
    z.object({ op: z.literal('approve'), task: id, id: z.number().int().min(1).optional(), decision: z.enum(PERSON_DECISIONS), by: person, via }).strict(),
    /** More guidance for a running Codex session: joins its turn, or starts the next one. */
    z.object({ op: z.literal('send'), task: id, text: z.string().min(1).max(100_000), by: person, via }).strict(),
    /** End a Codex session that waits for input; the task succeeds. */
    z.object({ op: z.literal('done'), task: id, by: person, via }).strict(),
    /** Hand a run already written to the store to the running supervisor. */
    z.object({ op: z.literal('submit'), runId: z.string().min(1).max(64) }).strict(),
    /**
     * Take over a run whose supervisor died, as `mcp resume` would (its orphans stopped, its
     * interrupted tasks resumed): `mcp resume RUN` asks it of the supervisor holding the lock.
     */
    z.object({ op: z.literal('adopt'), runId: z.string().min(1).max(64) }).strict(),
  ]);
}
let requestSchema: ReturnType<typeof buildRequestSchema> | undefined;
export function controlRequestSchema(): ReturnType<typeof buildRequestSchema> {
  requestSchema ??= buildRequestSchema();
  return requestSchema;
}
export type ControlRequest = z.infer<ReturnType<typeof buildRequestSchema>>;
export type ControlRequestInput = z.input<ReturnType<typeof buildRequestSchema>>;

/** Requests after which the connection speaks frames, not lines. */
export function isStreamRequest(request: ControlRequest): boolean {
  return request.op === 'attach';
}

export const REFUSAL_CODES = [
  /** The request itself is malformed, too long, or not JSON. */
  'bad_request',
  /** No such task or run here. */
  'not_found',
  /** The task is not running under this supervisor (finished, or not started). */
  'not_running',
  /** The store says the task runs, but another process holds it (a supervisor that died). */
  'not_held',
  /** The task is not waiting for what was answered (no approval open, no input awaited). */
  'not_waiting',
  'no_such_approval',
  /** That decision is not one the question takes. */
  'not_offered',
  /** Answered elsewhere first (the Codex TUI), or withdrawn. */
  'too_late',
  /** Codex refused the request (a message it could not take). */
  'refused',
  'internal',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

function buildRefusalSchema() {
  return z.object({ ok: z.literal(false), error: z.string(), code: z.enum(REFUSAL_CODES) }).loose();
}
export type Refusal = z.infer<ReturnType<typeof buildRefusalSchema>>;
export type ControlReply = { ok: true; [key: string]: unknown } | Refusal;

function buildReplySchema() {
  return z.union([z.object({ ok: z.literal(true) }).loose(), buildRefusalSchema()]);
}
let replySchema: ReturnType<typeof buildReplySchema> | undefined;

export function refuse(code: RefusalCode, error: string, extra: Record<string, unknown> = {}): Refusal {
  return { ok: false, error, code, ...extra };
}

/** Parses a reply line; a line that is not a reply is a refusal of its own. */
export function parseReply(text: string): ControlReply {
  try {
    replySchema ??= buildReplySchema();
    const parsed = replySchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data as ControlReply;
  } catch {
    /* not JSON */
  }
  return refuse('internal', 'unreadable reply from the supervisor');
}

/** A request line longer than this is hostile or broken; the connection is closed. */
export const MAX_CONTROL_LINE_BYTES = 64 * 1024;
