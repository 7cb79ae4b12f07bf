import { gitInvocations } from './git-invocations.js';

/**
 * Commands that need a person before they run, on top of what Codex itself asks about: a
 * `command` task whose argv matches waits in `waiting_approval` before it is spawned. (A
 * Codex task asks through Codex's own approval requests: escalations out of its sandbox,
 * such as the network `git push` needs, or writes outside the workspace.)
 */
const DEFAULT_SENSITIVE: readonly RegExp[] = [/\bgit\s+push\b/, /\brm\s+(-\w*r\w*f|-\w*f\w*r|-r\s+-f|-f\s+-r)\b/];

export function sensitivePatterns(extra: readonly string[]): RegExp[] {
  return [...DEFAULT_SENSITIVE, ...extra.map((text) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))];
}

/**
 * The first pattern a command matches, read as typed (its argv joined by spaces) and as each
 * git invocation in it reads without git's global options: `git -C dir push` is a
 * `git push`, and so is a `sensitive` entry `git reset --hard` after `git -c a=b`.
 */
export function sensitiveMatch(patterns: readonly RegExp[], argv: readonly string[]): RegExp | undefined {
  const readings = [argv.join(' '), ...gitInvocations(argv).map((words) => words.join(' '))];
  return patterns.find((pattern) => readings.some((text) => pattern.test(text)));
}
