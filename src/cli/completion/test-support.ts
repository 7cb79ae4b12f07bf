// Shared by the completion tests: the built CLI, a sample program, and a fake `mcp` on PATH
// for loading the generated scripts in real shells.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';

export const MCP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../main.js');

export function hasShell(name: string): boolean {
  return spawnSync(name, ['-c', 'exit 0']).status === 0;
}

export function sample(): Command {
  const program = new Command('mcp').option('--debug', 'debug');
  program.command('logs <task>').option('-f, --follow', 'follow').addOption(new Option('--stream <name>', 'which').choices(['stdout', 'stderr'])).option('--state-dir <dir>', 'root');
  program.command('merge <run>').option('--plan <file>', 'plan').option('--parallel <n>', 'n');
  program.command('supervise', { hidden: true }).option('--run <id...>', 'runs');
  program.command('status [target]').option('--state <states>', 'states');
  return program;
}

const STATUS = {
  stateRoot: '/s',
  runs: [
    { id: 'r0abc1234', objective: 'with "id": "fake" inside', tasks: [{ id: 'r0abc1234-build', key: 'build' }, { id: 'r0abc1234-test', key: 'test' }] },
    { id: 'r0abc5678', objective: 'x', tasks: [{ id: 'r0abc5678-build', key: 'build' }] },
  ],
};

/** A fake `mcp` on PATH (in a new directory under `tmp`) that logs its arguments and prints a status document. */
export function fakeMcp(tmp: string, indent: number | undefined): { bin: string; log: string } {
  const dir = mkdtempSync(path.join(tmp, 'bin-'));
  const log = path.join(dir, 'args.log');
  writeFileSync(path.join(dir, 'status.json'), JSON.stringify(STATUS, null, indent));
  writeFileSync(path.join(dir, 'mcp'), `#!/bin/sh\necho "$@" >> '${log}'\ncat '${path.join(dir, 'status.json')}'\n`);
  chmodSync(path.join(dir, 'mcp'), 0o755);
  return { bin: dir, log };
}
