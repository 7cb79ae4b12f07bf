import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fakeMcp, hasShell, MCP } from './test-support.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-completion-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('fish: commands, option values and ids complete', { skip: !hasShell('fish') }, () => {
  const file = path.join(tmp, 'mcp.fish');
  writeFileSync(file, execFileSync(process.execPath, [MCP, 'completion', 'fish'], { encoding: 'utf8' }));
  const { bin } = fakeMcp(tmp, undefined);
  const complete = (line: string): string[] =>
    execFileSync('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0] ?? '');
  assert.deepEqual(complete('mcp sta'), ['status']);
  assert.deepEqual(complete('mcp logs --stream ').sort(), ['events', 'stderr', 'stdout', 'transcript']);
  assert.deepEqual(complete('mcp resume ').sort(), ['r0abc1234', 'r0abc5678']);
  assert.ok(complete('mcp logs ').includes('r0abc1234-test'));
});
