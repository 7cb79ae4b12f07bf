import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { CODEX_ROOT_MARKER, sensitiveCodexRules, taskRulesConfigArgs, writeTaskRules } from './task-rules.js';

// dist/src/agents/app-server/ is four levels below the repository root.
const CODEX = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..'), 'node_modules/.bin/codex');

/** What the pinned Codex decides for a command under a rules file (its own `execpolicy check`). */
function decision(rulesFile: string, argv: string[]): string | undefined {
  // As the app-server matches: an absolute program path is read by its name (`/usr/bin/git` is `git`).
  const out = JSON.parse(execFileSync(CODEX, ['execpolicy', 'check', '--resolve-host-executables', '--rules', rulesFile, '--', ...argv], { encoding: 'utf8' })) as { decision?: string };
  return out.decision;
}

test("the task's rules make the real Codex ask before git push and each sensitive entry, whatever characters it holds", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-rules-'));
  try {
    const taskDir = path.join(dir, 'runs', 'r1-a');
    writeTaskRules(taskDir, sensitiveCodexRules(['terraform apply', '  kubectl   delete ', 'say "hi" \\o/', '   '], path.join(taskDir, 'workspace')));
    const file = path.join(taskDir, '.codex', 'rules', 'mcp-sensitive.rules');
    assert.match(readFileSync(path.join(dir, 'runs', CODEX_ROOT_MARKER), 'utf8'), /project root/);
    assert.equal(decision(file, ['git', 'push', 'origin', 'main']), 'prompt');
    assert.equal(decision(file, ['terraform', 'apply', '-auto-approve']), 'prompt');
    assert.equal(decision(file, ['kubectl', 'delete', 'pod', 'x']), 'prompt');
    assert.equal(decision(file, ['say', '"hi"', '\\o/']), 'prompt');
    assert.equal(decision(file, ['git', 'status']), undefined);
    assert.equal(decision(file, ['terraform', 'plan']), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the app-server is told where the project root is and to trust the task folder, quoted for TOML', () => {
  assert.deepEqual(taskRulesConfigArgs('/state/runs/r1-a b"c'), ['-c', 'project_root_markers=[".mcp-codex-root"]', '-c', 'projects={"/state/runs/r1-a b\\"c"={trust_level="trusted"}}']);
});

test("the real Codex asks before git push written with git's global options, as far as its rules can write them", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-rules-'));
  try {
    const taskDir = path.join(dir, 'runs', 'r1-a');
    const ws = path.join(taskDir, 'workspace');
    writeTaskRules(taskDir, sensitiveCodexRules(['git reset --hard', 'terraform apply'], ws));
    const file = path.join(taskDir, '.codex', 'rules', 'mcp-sensitive.rules');
    const asked = [
      ['git', '-C', '.', 'push'],
      ['git', '-C', ws, 'push', 'origin', 'main'],
      ['git', '--no-pager', 'push'],
      ['git', '-P', '--no-optional-locks', 'push'],
      ['git', '--git-dir=.git', 'push'],
      ['git', `--work-tree=${ws}`, 'push'],
      ['git', '--git-dir', `${ws}/.git`, '--work-tree', ws, 'push'],
      ['git', '-C', ws, '--no-pager', 'push'],
      ['git', '--no-pager', '-C', './', 'push'],
      ['/usr/bin/git', '-C', '.', 'push'],
      ['git', '-C', '.', 'reset', '--hard', 'HEAD~1'],
    ];
    // What the language cannot write: a value it does not know (no wildcard), a third option.
    const notAsked = [
      ['git', '-C', '/elsewhere', 'push'],
      ['git', '-c', 'user.name=x', 'push'],
      ['git', '--no-pager', '-p', '--bare', 'push'],
    ];
    // Never asked: a git option's value is not the subcommand, nor is a later word.
    const neverAsked = [
      ['git', '-C', '.', 'status'],
      ['git', '--no-pager', 'log', '--grep', 'push'],
      ['git', 'pushd'],
      ['git', '-C', '.', 'reset', '--soft'],
      ['terraform', '-chdir=.', 'apply'],
    ];
    const wrong = [
      ...asked.filter((argv) => decision(file, argv) !== 'prompt').map((argv) => `not asked: ${argv.join(' ')}`),
      ...[...notAsked, ...neverAsked].filter((argv) => decision(file, argv) !== undefined).map((argv) => `asked: ${argv.join(' ')}`),
    ];
    assert.deepEqual(wrong, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
