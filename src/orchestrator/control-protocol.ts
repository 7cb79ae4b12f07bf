import { z } from 'zod';

/** One JSON object a line, each way, over the supervisor's Unix socket (until an attach). */
export const controlRequestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('ping') }).strict(),
  /** Target: a task id, a run id, or "all". */
  z.object({ op: z.literal('kill'), target: z.string().min(1).max(200) }).strict(),
  /**
   * Stream a task's PTY: after the reply line, the connection carries frames both ways
   * (attach-frames.ts): screen and output to the viewer, keys and size from it.
   */
  z.object({ op: z.literal('attach'), task: z.string().min(1).max(200), cols: z.number().int().min(1).max(1000).optional(), rows: z.number().int().min(1).max(1000).optional() }).strict(),
  /** Answer Codex's approval prompt in an interactive task; `by` is who decided. */
  z.object({
    op: z.literal('approve'),
    task: z.string().min(1).max(200),
    id: z.number().int().min(1).optional(),
    approve: z.boolean(),
    by: z.object({ user: z.string().max(200), uid: z.number().int().nullable(), pid: z.number().int().nullable() }).strict(),
  }).strict(),
  /** Hand a run already written to the store to the running supervisor. */
  z.object({ op: z.literal('submit'), runId: z.string().min(1).max(64) }).strict(),
]);
export type ControlRequest = z.infer<typeof controlRequestSchema>;

/** Requests after which the connection speaks frames, not lines. */
export function isStreamRequest(request: ControlRequest): boolean {
  return request.op === 'attach';
}

export type ControlReply = { ok: true; [key: string]: unknown } | { ok: false; error: string; [key: string]: unknown };

/** A request line longer than this is hostile or broken; the connection is closed. */
export const MAX_CONTROL_LINE_BYTES = 64 * 1024;
