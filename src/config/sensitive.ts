import { gitInvocations } from './git-invocations.js';

/** What a person reads for a pattern: the command it stands for, not its regular expression. */
const labels = new WeakMap<RegExp, string>();

/**
 * Commands that need a person before they run, on top of what Codex itself asks about: a
 * `command` task whose argv matches waits in `waiting_approval` before it is spawned. (A
 * Codex task asks through Codex's own approval requests: escalations out of its sandbox,
 * such as the network `git push` needs, or writes outside the workspace.)
 */
const DEFAULT_SENSITIVE: readonly RegExp[] = [
  labelled(/\bgit\s+push\b/, 'git push'),
  labelled(/\brm\s+(-\w*r\w*f|-\w*f\w*r|-r\s+-f|-f\s+-r)\b/, 'rm -rf'),
];

function labelled(pattern: RegExp, label: string): RegExp {
  labels.set(pattern, label);
  return pattern;
}

/** The command a sensitive pattern stands for (`terraform apply`), as a waiting task's reason names it. */
export function sensitiveLabel(pattern: RegExp): string {
  return labels.get(pattern) ?? pattern.source;
}

export function sensitivePatterns(extra: readonly string[]): RegExp[] {
  return [...DEFAULT_SENSITIVE, ...extra.filter((entry) => entry.trim() !== '').map((entry) => labelled(entryPattern(entry), entry.trim().split(/\s+/).join(' ')))];
}

/**
 * A `sensitive` entry as a pattern: its words, with any run of spaces between them, and whole
 * words at its ends (`terraform apply` is not in `terraform applyx`), as Codex's rules take
 * an entry's words in Codex tasks. Found anywhere in the command, as typed.
 */
function entryPattern(entry: string): RegExp {
  const text = entry.trim();
  const body = text
    .split(/\s+/)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\s+');
  return new RegExp(`${/^\w/.test(text) ? '\\b' : ''}${body}${/\w$/.test(text) ? '\\b' : ''}`);
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
