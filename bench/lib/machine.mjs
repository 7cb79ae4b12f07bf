// What the bench ran on, recorded beside the figures in results.json and atop the table.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MiB } from './format.mjs';
import { CODEX, REPO } from './paths.mjs';

export function machine() {
  const cpus = os.cpus();
  let codexVersion = null;
  try {
    codexVersion = execFileSync(CODEX, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* reported as null */
  }
  return {
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? null,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemMiB: Math.round(os.totalmem() / MiB),
    codex: codexVersion,
    mcp: JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version,
    tmpdir: os.tmpdir(),
  };
}
