import * as z from 'zod';

/**
 * The JSON-RPC 2.0 envelope as `codex app-server` puts it on the wire (0.169.0): the
 * `"jsonrpc": "2.0"` member is omitted both ways, one message per WebSocket text frame.
 * Only the envelope is validated here; the payloads follow the generated protocol types.
 */

const requestId = z.union([z.string(), z.number()]);

const rpcError = z.object({ code: z.number(), message: z.string(), data: z.unknown().optional() });

const response = z.object({ id: requestId, result: z.unknown().optional(), error: rpcError.optional() });
const request = z.object({ id: requestId, method: z.string(), params: z.unknown().optional() });
const notification = z.object({ method: z.string(), params: z.unknown().optional() });

export type IncomingMessage =
  | { kind: 'response'; id: string | number; result: unknown }
  | { kind: 'error'; id: string | number; error: z.infer<typeof rpcError> }
  | { kind: 'request'; id: string | number; method: string; params: unknown }
  | { kind: 'notification'; method: string; params: unknown };

/** Classifies one frame; null when it is not a JSON-RPC message at all. */
export function parseIncoming(text: string): IncomingMessage | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  if ('method' in data) {
    if ('id' in data) {
      const parsed = request.safeParse(data);
      return parsed.success ? { kind: 'request', id: parsed.data.id, method: parsed.data.method, params: parsed.data.params } : null;
    }
    const parsed = notification.safeParse(data);
    return parsed.success ? { kind: 'notification', method: parsed.data.method, params: parsed.data.params } : null;
  }
  if (!('result' in data) && !('error' in data)) return null;
  const parsed = response.safeParse(data);
  if (!parsed.success) return null;
  if (parsed.data.error) return { kind: 'error', id: parsed.data.id, error: parsed.data.error };
  // A result may legitimately be `{}` or null (e.g. turn/interrupt answers `{}`).
  return { kind: 'response', id: parsed.data.id, result: parsed.data.result ?? null };
}

/** Standard JSON-RPC codes mcp sends back. */
export const RPC_INTERNAL_ERROR = -32603;
