import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { Command, Option } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { completionScript, completionSpec } from './completion.js';

const MCP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-completion-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function hasShell(name: string): boolean {
  return spawnSync(name, ['-c', 'exit 0']).status === 0;
}

function sample(): Command {
  const program = new Command('mcp').option('--debug', 'debug');
  program.command('logs <task>').option('-f, --follow', 'follow').addOption(new Option('--stream <name>', 'which').choices(['stdout', 'stderr'])).option('--state-dir <dir>', 'root');
  program.command('merge <run>').option('--plan <file>', 'plan').option('--parallel <n>', 'n');
  program.command('supervise', { hidden: true }).option('--run <id...>', 'runs');
  program.command('status [target]').option('--state <states>', 'states');
  return program;
}

test('the spec comes from the program: visible commands, option values by kind, arguments by name', () => {
  const spec = completionSpec(sample());
  assert.deepEqual(
    spec.commands.map((c) => c.name),
    ['logs', 'merge', 'status', 'help'],
  );
  const logs = spec.commands[0];
  assert.deepEqual(logs?.args, ['ids']);
  assert.deepEqual(
    logs?.options.map((o) => [o.short ?? '', o.long, o.value, o.choices.join(' ')]),
    [
      ['-f', '--follow', 'none', ''],
      ['', '--stream', 'choice', 'stdout stderr'],
      ['', '--state-dir', 'dir', ''],
      ['-h', '--help', 'none', ''],
    ],
  );
  const merge = spec.commands[1];
  assert.deepEqual(merge?.args, ['runs']);
  assert.deepEqual(merge?.options.slice(0, 2).map((o) => o.value), ['file', 'text']);
  assert.deepEqual(spec.commands[2]?.options[0]?.choices.slice(0, 3), ['pending', 'ready', 'running']);
  assert.deepEqual(spec.commands[3]?.args, ['commands']);
  assert.ok(spec.options.some((o) => o.long === '--debug'));
});

test('an unknown shell is a usage error (exit 2) of one line', () => {
  assert.throws(
    () => completionScript('ksh', sample()),
    (error: unknown) => error instanceof UsageError && error.exitCode === 2 && /ksh/.test(error.message) && !error.message.includes('\n'),
  );
  const result = spawnSync(process.execPath, [MCP, 'completion', 'powershell'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /unknown shell "powershell".*bash, zsh, fish/);
});

test("the real CLI's scripts name every visible command and its new options, never hidden ones", () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const script = execFileSync(process.execPath, [MCP, 'completion', shell], { encoding: 'utf8' });
    for (const word of ['run', 'status', 'logs', 'attach', 'approve', 'kill', 'resume', 'merge', 'doctor', 'completion', 'until-done', 'no-tty', 'interval']) {
      assert.ok(script.includes(word), `${shell} script lacks ${word}`);
    }
    assert.ok(!script.includes('supervise'), `${shell} script offers the hidden supervise command`);
  }
});

const STATUS = {
  stateRoot: '/s',
  runs: [
    { id: 'r0abc1234', objective: 'with "id": "fake" inside', tasks: [{ id: 'r0abc1234-build', key: 'build' }, { id: 'r0abc1234-test', key: 'test' }] },
    { id: 'r0abc5678', objective: 'x', tasks: [{ id: 'r0abc5678-build', key: 'build' }] },
  ],
};

/** A fake `mcp` on PATH that logs its arguments and prints a status document. */
function fakeMcp(indent: number | undefined): { bin: string; log: string } {
  const dir = mkdtempSync(path.join(tmp, 'bin-'));
  const log = path.join(dir, 'args.log');
  writeFileSync(path.join(dir, 'status.json'), JSON.stringify(STATUS, null, indent));
  writeFileSync(path.join(dir, 'mcp'), `#!/bin/sh\necho "$@" >> '${log}'\ncat '${path.join(dir, 'status.json')}'\n`);
  chmodSync(path.join(dir, 'mcp'), 0o755);
  return { bin: dir, log };
}

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
    const { bin, log } = fakeMcp(indent);
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

test('zsh: the script parses', { skip: !hasShell('zsh') }, () => {
  const file = path.join(tmp, '_mcp');
  writeFileSync(file, execFileSync(process.execPath, [MCP, 'completion', 'zsh'], { encoding: 'utf8' }));
  const result = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});

test('fish: commands, option values and ids complete', { skip: !hasShell('fish') }, () => {
  const file = path.join(tmp, 'mcp.fish');
  writeFileSync(file, execFileSync(process.execPath, [MCP, 'completion', 'fish'], { encoding: 'utf8' }));
  const { bin } = fakeMcp(undefined);
  const complete = (line: string): string[] =>
    execFileSync('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0] ?? '');
  assert.deepEqual(complete('mcp sta'), ['status']);
  assert.deepEqual(complete('mcp logs --stream ').sort(), ['events', 'stderr', 'stdout']);
  assert.deepEqual(complete('mcp resume ').sort(), ['r0abc1234', 'r0abc5678']);
  assert.ok(complete('mcp logs ').includes('r0abc1234-test'));
});
