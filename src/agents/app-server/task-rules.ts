import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { entryWords } from '../../config/sensitive.js';
import { runCommand } from '../../terminal/run-command.js';

/**
 * Sensitive commands in a Codex task. Codex asks a person only before what leaves its
 * sandbox, and a `git push` can stay inside it (a remote on a local path, or a config that
 * grants the sandbox the network): it would then run unasked. Codex's own execution-policy
 * rules (`prefix_rule(..., decision = "prompt")`) make it ask before such a command wherever
 * it runs; the request reaches mcp as any other approval. Checked with codex 0.169.0.
 *
 * Codex reads rules from a trusted project's `.codex/rules/`, the project being the folders
 * from a "project root" down to the thread's working directory. So each task's folder holds
 * its rules (runs/<task>/.codex/rules/), the runs folder holds a marker that makes it the
 * project root, and the app-server is told to trust the task's folder, and nothing more: the
 * workspace's own `.codex/` is trusted only as before, through the trust the user gave their
 * repository (Codex looks that up last).
 */
export const CODEX_ROOT_MARKER = '.mcp-codex-root';
const RULES_FILE = 'mcp-sensitive.rules';

/** Always asked about, as for command tasks; `rm -rf` is not: the sandbox keeps it inside the task's own copy. */
const DEFAULT_PREFIXES: readonly (readonly string[])[] = [['git', 'push']];

function sensitivePrefixes(sensitive: readonly string[]): string[][] {
  return [...DEFAULT_PREFIXES.map((words) => [...words]), ...sensitive.map(entryWords).filter((words) => words.length > 0)];
}

/**
 * git's global options before a subcommand, as far as Codex's rules can spell them. A rule is
 * a prefix of exact words (a list in a position: any of its words) with no wildcard, so an
 * option's value is matched only when it is known here: the task's own folder (`.`, its
 * workspace: a model writes `git -C <its cwd> push`), never `-c name=value` or another
 * folder. Whatever value it matches, the word after it is still git's subcommand (a value
 * option consumes one word), so these rules ask about nothing but the prefix's command.
 */
function gitOptionSlots(workspace: string): string[][][] {
  const flags = ['--no-pager', '-P', '-p', '--paginate', '--bare', '--no-replace-objects', '--literal-pathspecs', '--glob-pathspecs', '--noglob-pathspecs', '--icase-pathspecs', '--no-optional-locks', '--git-dir=.git', `--git-dir=${workspace}/.git`, '--work-tree=.', `--work-tree=${workspace}`];
  const valued = [['-C', '--git-dir', '--work-tree'], ['.', './', workspace, '.git', `${workspace}/.git`]];
  const flag = [flags];
  // Up to two options: `git -C <workspace> --no-pager push` is as far as a model goes.
  return [[], flag, valued, [...flag, ...flag], [...flag, ...valued], [...valued, ...flag], [...valued, ...valued]];
}

/**
 * The rules file: one `prefix_rule` for `git push` and one for each entry of the config's
 * `sensitive` list, its words as the prefix; a git prefix (`git push`, a `sensitive`
 * `git reset --hard`) also after the global options `gitOptionSlots` can write. A JSON
 * string is a valid string of Codex's rule language (Starlark), escapes included: a file
 * Codex cannot parse would drop every rule.
 */
export function sensitiveCodexRules(sensitive: readonly string[], workspace: string): string {
  const rules = sensitivePrefixes(sensitive).flatMap(([program = '', ...rest]) => {
    const slots = program === 'git' && rest.length > 0 ? gitOptionSlots(workspace) : [[]];
    const justification = JSON.stringify(`mcp: \`${[program, ...rest].join(' ')}\` waits for a person`);
    return slots.map((options) => {
      const pattern = [program, ...options, ...rest].map((word) => JSON.stringify(word)).join(', ');
      return `prefix_rule(pattern = [${pattern}], decision = "prompt", justification = ${justification})`;
    });
  });
  return `# Written by mcp for this task: Codex asks a person before these commands.\n${rules.join('\n')}\n`;
}

/** The `-c` overrides of a task's app-server: the runs folder is the project root, the task's folder is trusted. */
export function taskRulesConfigArgs(taskDir: string): string[] {
  return ['-c', `project_root_markers=[${JSON.stringify(CODEX_ROOT_MARKER)}]`, '-c', `projects={${JSON.stringify(taskDir)}={trust_level="trusted"}}`];
}

/** Writes the task's rules, and the marker of its runs folder, before its app-server starts. */
export function writeTaskRules(taskDir: string, rules: string): void {
  const dir = path.join(taskDir, '.codex', 'rules');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, RULES_FILE), rules);
  writeFileSync(path.join(path.dirname(taskDir), CODEX_ROOT_MARKER), 'mcp: the project root Codex sees for the tasks below (their .codex/rules)\n');
}

/**
 * Whether this Codex would ask before each sensitive command under the task's rules, by its
 * own `codex execpolicy check` (for `mcp doctor`): the commands checked and those it would
 * not ask about, or why it could not tell (a Codex without execution-policy rules).
 */
export async function sensitiveCommandsCodexSkips(codexPath: string, sensitive: readonly string[]): Promise<{ checked: string[]; skipped: string[] } | { problem: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-rules-'));
  try {
    const file = path.join(dir, RULES_FILE);
    writeFileSync(file, sensitiveCodexRules(sensitive, dir));
    const prefixes = sensitivePrefixes(sensitive);
    const skipped: string[] = [];
    for (const words of prefixes) {
      const result = await runCommand([codexPath, 'execpolicy', 'check', '--rules', file, '--', ...words], { cwd: dir, timeoutMs: 15_000 });
      if (result.code !== 0) return { problem: `\`codex execpolicy check\` failed: ${(result.spawnError ?? result.stderr.trim().split('\n').pop()) || `exit ${result.code}`}` };
      let decision: unknown;
      try {
        decision = (JSON.parse(result.stdout) as { decision?: unknown }).decision;
      } catch {
        return { problem: `\`codex execpolicy check\` printed no decision` };
      }
      if (decision !== 'prompt') skipped.push(words.join(' '));
    }
    return { checked: prefixes.map((words) => words.join(' ')), skipped };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
