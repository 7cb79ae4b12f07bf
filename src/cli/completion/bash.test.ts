import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fakeMcp, hasShell, MCP } from './test-support.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-completion-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function bashComplete(script: string, line: string, bin: string): string[] {
  const file = path.join(tmp, 'mcp.bash');
  writeFileSync(file, script);
  const words = line.split(' ');
  const driver = `source '${file}'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _mcp; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = execFileSync('bash', ['--norc', '-c', driver], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
  return out.split('\n').filter((l) => l.length > 0);
}

test('bash: commands, options, option values, and task/run ids from `mcp status --json` (indented or compact)', { skip: !hasShell('bash') }, () => {
  const script = execFileSync(process.execPath, [MCP, 'completion', 'bash'], { encoding: 'utf8' });
  for (const indent of [2, undefined]) {
    const { bin, log } = fakeMcp(tmp, indent);
    assert.deepEqual(bashComplete(script, 'mcp st', bin), ['status']);
    assert.deepEqual(bashComplete(script, 'mcp status --so', bin), ['--sort']);
    assert.deepEqual(bashComplete(script, 'mcp status --sort ', bin), ['id', 'state', 'start', 'duration']);
    assert.deepEqual(bashComplete(script, 'mcp status --state fa', bin), ['failed']);
    assert.deepEqual(bashComplete(script, 'mcp logs --stream e', bin), ['events']);
    assert.deepEqual(bashComplete(script, 'mcp completion ', bin), ['bash', 'zsh', 'fish']);
    assert.deepEqual(bashComplete(script, 'mcp logs ', bin).sort(), ['build', 'r0abc1234', 'r0abc1234-build', 'r0abc1234-test', 'r0abc5678', 'r0abc5678-build', 'test']);
    assert.deepEqual(bashComplete(script, 'mcp logs r0abc1234-', bin), ['r0abc1234-build', 'r0abc1234-test']);
    assert.deepEqual(bashComplete(script, 'mcp resume ', bin), ['r0abc1234', 'r0abc5678']);
    // approve TASK [ID]: the approval id is not a task id.
    assert.deepEqual(bashComplete(script, 'mcp approve build ', bin), []);
    // An option's value is not a positional argument.
    assert.deepEqual(bashComplete(script, 'mcp logs --stream events b', bin), ['build']);
    // The state root on the line is the one asked.
    rmSync(log, { force: true });
    bashComplete(script, 'mcp kill --state-dir /some/root t', bin);
    assert.equal(readFileSync(log, 'utf8').trim(), 'status --state-dir /some/root --json');
  }
});

test('bash: no mcp on PATH completes nothing and prints nothing', { skip: !hasShell('bash') }, () => {
  const script = execFileSync(process.execPath, [MCP, 'completion', 'bash'], { encoding: 'utf8' });
  const empty = path.join(tmp, 'empty-bin');
  mkdirSync(empty, { recursive: true });
  const file = path.join(tmp, 'mcp-nopath.bash');
  writeFileSync(file, script);
  const result = spawnSync('/bin/bash', ['--norc', '-c', `source '${file}'; COMP_WORDS=(mcp logs ''); COMP_CWORD=2; _mcp; echo "n=\${#COMPREPLY[@]}"`], { encoding: 'utf8', env: { PATH: empty } });
  assert.equal(result.stdout.trim(), 'n=0');
  assert.equal(result.stderr, '');
});
