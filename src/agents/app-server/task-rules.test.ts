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
  const out = JSON.parse(execFileSync(CODEX, ['execpolicy', 'check', '--rules', rulesFile, '--', ...argv], { encoding: 'utf8' })) as { decision?: string };
  return out.decision;
}

test("the task's rules make the real Codex ask before git push and each sensitive entry, whatever characters it holds", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-rules-'));
  try {
    const taskDir = path.join(dir, 'runs', 'r1-a');
    writeTaskRules(taskDir, sensitiveCodexRules(['terraform apply', '  kubectl   delete ', 'say "hi" \\o/', '   ']));
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
