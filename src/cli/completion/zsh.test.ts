import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { hasShell, MCP } from './test-support.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-completion-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('zsh: the script parses', { skip: !hasShell('zsh') }, () => {
  const file = path.join(tmp, '_mcp');
  writeFileSync(file, execFileSync(process.execPath, [MCP, 'completion', 'zsh'], { encoding: 'utf8' }));
  const result = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});
