import type { TaskEvent, TokenUsage } from '../domain/events.js';

/**
 * Reads the JSONL stream of `codex exec --json` (codex 0.169.0) into mcp's own events.
 * Knowledge of Codex's event shapes and field names lives here and nowhere else.
 */
export interface CodexLineResult {
  /** The event to append to events.ndjson, when the line is one worth keeping. */
  event?: TaskEvent;
  /** The session (thread) id, from `thread.started`: what `codex exec resume` needs. */
  sessionId?: string;
  /** Set by `turn.failed`: the turn, hence the task attempt, failed for this reason. */
  failure?: string;
}

/** Command output kept in an event; the full output is in stdout.log already. */
const OUTPUT_TAIL_CHARS = 2000;

type Json = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function tail(text: string | undefined): string | undefined {
  if (text === undefined || text.length <= OUTPUT_TAIL_CHARS) return text;
  return `…${text.slice(-OUTPUT_TAIL_CHARS)}`;
}

/** Codex's usage names (input_tokens, cached_input_tokens, …) as mcp's. */
export function readUsage(raw: unknown): TokenUsage {
  const usage = (raw ?? {}) as Json;
  const out: TokenUsage = { inputTokens: num(usage.input_tokens) ?? 0, outputTokens: num(usage.output_tokens) ?? 0 };
  const cached = num(usage.cached_input_tokens);
  const reasoning = num(usage.reasoning_output_tokens);
  if (cached !== undefined) out.cachedInputTokens = cached;
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  return out;
}

export function readCodexLine(line: string): CodexLineResult | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return null;
  let data: Json;
  try {
    data = JSON.parse(trimmed) as Json;
  } catch {
    return null;
  }
  switch (data.type) {
    case 'thread.started': {
      const sessionId = str(data.thread_id);
      return sessionId ? { sessionId, event: { type: 'codex.session', sessionId } } : null;
    }
    case 'turn.started':
      return { event: { type: 'codex.turn_started' } };
    case 'turn.completed':
      return { event: { type: 'codex.usage', usage: readUsage(data.usage) } };
    case 'turn.failed': {
      const message = str((data.error as Json | undefined)?.message) ?? 'turn failed';
      return { failure: message, event: { type: 'codex.turn_failed', message } };
    }
    case 'error':
      return { event: { type: 'codex.error', message: str(data.message) ?? '' } };
    case 'item.started':
    case 'item.completed':
      return readItem(data.type, (data.item ?? {}) as Json);
    default:
      return null;
  }
}

function readItem(phase: 'item.started' | 'item.completed', item: Json): CodexLineResult | null {
  const done = phase === 'item.completed';
  switch (item.type) {
    case 'command_execution': {
      const command = str(item.command) ?? '';
      if (!done) return { event: { type: 'codex.command_started', command } };
      const status = str(item.status);
      const output = tail(str(item.aggregated_output));
      return {
        event: { type: 'codex.command', command, exitCode: num(item.exit_code) ?? null, ...(status !== undefined ? { status } : {}), ...(output !== undefined ? { output } : {}) },
      };
    }
    case 'file_change': {
      if (!done) return null;
      const changes = Array.isArray(item.changes) ? item.changes.map((c) => ({ path: str((c as Json).path) ?? '', kind: str((c as Json).kind) ?? 'update' })) : [];
      const status = str(item.status);
      return { event: { type: 'codex.file_change', changes, ...(status !== undefined ? { status } : {}) } };
    }
    case 'agent_message':
      return done ? { event: { type: 'codex.message', text: str(item.text) ?? '' } } : null;
    case 'reasoning':
      return done ? { event: { type: 'codex.reasoning', text: str(item.text) ?? '' } } : null;
    case 'error':
      // An error item can be a mere warning (e.g. unknown model metadata); it never fails a task.
      return done ? { event: { type: 'codex.warning', message: str(item.message) ?? '' } } : null;
    default:
      return done ? { event: { type: 'codex.item', itemType: str(item.type) ?? 'unknown' } } : null;
  }
}

/** stderr lines Codex prints on every start that say nothing about why a task failed. */
export function isCodexStderrNoise(line: string): boolean {
  return line.startsWith('WARNING: proceeding, even though we could not create PATH aliases') || line.startsWith('Reading additional input from stdin');
}
