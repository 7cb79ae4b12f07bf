import { gitInvocations } from './git-invocations.js';

/** A command that needs a person: how it is found in a command, and how a person reads it. */
export interface SensitivePattern {
  pattern: RegExp;
  /** The command it stands for (`terraform apply`), as a waiting task's reason names it. */
  label: string;
}

/**
 * Commands that need a person before they run, on top of what Codex itself asks about: a
 * `command` task whose argv matches waits in `waiting_approval` before it is spawned. (A
 * Codex task asks through Codex's own approval requests: escalations out of its sandbox,
 * such as the network `git push` needs, or writes outside the workspace.)
 */
const DEFAULT_SENSITIVE: readonly SensitivePattern[] = [
  { pattern: /\bgit\s+push\b/, label: 'git push' },
  { pattern: /\brm\s+(-\w*r\w*f|-\w*f\w*r|-r\s+-f|-f\s+-r)\b/, label: 'rm -rf' },
];

/**
 * The words of a `sensitive` entry, whatever spaces it was typed with (none for a blank one):
 * a command task matches them in order, and Codex's rules take them as a command prefix.
 */
export function entryWords(entry: string): string[] {
  return entry.split(/\s+/).filter(Boolean);
}

export function sensitivePatterns(extra: readonly string[]): SensitivePattern[] {
  const entries = extra.map(entryWords).filter((words) => words.length > 0);
  return [...DEFAULT_SENSITIVE, ...entries.map((words) => ({ pattern: wordsPattern(words), label: words.join(' ') }))];
}

/**
 * An entry's words as a pattern: any run of spaces between them, and whole words at its
 * ends (`terraform apply` is not in `terraform applyx`), as Codex's rules take them in Codex
 * tasks. Found anywhere in the command, as typed.
 */
function wordsPattern(words: readonly string[]): RegExp {
  const text = words.join(' ');
  const body = words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+');
  return new RegExp(`${/^\w/.test(text) ? '\\b' : ''}${body}${/\w$/.test(text) ? '\\b' : ''}`);
}

/**
 * The first pattern a command matches, read as typed (its argv joined by spaces) and as each
 * git invocation in it reads without git's global options: `git -C dir push` is a
 * `git push`, and so is a `sensitive` entry `git reset --hard` after `git -c a=b`.
 */
export function sensitiveMatch(patterns: readonly SensitivePattern[], argv: readonly string[]): SensitivePattern | undefined {
  const readings = [argv.join(' '), ...gitInvocations(argv).map((words) => words.join(' '))];
  return patterns.find(({ pattern }) => readings.some((text) => pattern.test(text)));
}
