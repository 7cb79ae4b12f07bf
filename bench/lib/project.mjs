// Projects and plan files for the cases to run mcp in.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function sh(cwd, script, ...args) {
  return execFileSync('sh', ['-c', script, 'sh', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function plainProject(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'README.md'), '# bench project\n');
  return dir;
}

// The sections use git projects, the usual case. (Outside git a run first commits the
// project into a repository of its own, a fixed cost per run, then works the same way.)
export function gitProject(dir) {
  plainProject(dir);
  sh(dir, 'git init -q -b main && git add -A && git -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false commit -qm init');
  return dir;
}

export function writeJson(file, value) {
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}
