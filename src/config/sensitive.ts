/**
 * Commands that need a human. Interactive tasks get Codex's own
 * approval prompt for escalated commands; `codex exec` never asks, so in exec tasks these
 * are flagged as they are seen, never lost silently.
 */
const DEFAULT_SENSITIVE: readonly RegExp[] = [/\bgit\s+push\b/, /\brm\s+(-\w*r\w*f|-\w*f\w*r|-r\s+-f|-f\s+-r)\b/];

export function sensitivePatterns(extra: readonly string[]): RegExp[] {
  return [...DEFAULT_SENSITIVE, ...extra.map((text) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))];
}

export function isSensitive(command: string, patterns: readonly RegExp[]): boolean {
  return patterns.some((p) => p.test(command));
}
