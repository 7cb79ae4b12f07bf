import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../terminal/run-command.js';

/**
 * Outside git there are no branches to merge: a run's result is a patch per task and one
 * for the run, made against a copy of the project taken when the run started.
 */

/** Copies the project (without the state root) once, as the base every patch is made against. */
export function snapshotBase(project: string, stateRoot: string, baseDir: string): void {
  if (existsSync(baseDir)) return;
  mkdirSync(baseDir, { recursive: true });
  const root = path.resolve(stateRoot);
  const outside = (src: string): boolean => {
    const resolved = path.resolve(src);
    return resolved !== root && !resolved.startsWith(root + path.sep);
  };
  for (const name of readdirSync(project)) {
    const source = path.join(project, name);
    if (outside(source)) cpSync(source, path.join(baseDir, name), { recursive: true, filter: outside, verbatimSymlinks: true });
  }
}

/** A unified diff (binary-safe) from `from` to `to`, with plain a/ and b/ paths. */
export async function diffTrees(from: string, to: string): Promise<string> {
  // `git diff --no-index` works outside any repository; exit 1 means "there are differences".
  const result = await runCommand(['git', 'diff', '--no-index', '--binary', '--src-prefix=a/', '--dst-prefix=b/', '--', from, to], { cwd: path.dirname(from) });
  if (result.code > 1) throw new Error(`git diff --no-index failed: ${result.stderr.trim().split('\n').at(-1) ?? ''}`);
  // git names both sides after the absolute paths (a new file's a-side after `to`,
  // a deleted one's b-side after `from`): make every one of them project-relative.
  let patch = result.stdout;
  for (const dir of [path.resolve(from), path.resolve(to)]) {
    patch = patch.split(`a${dir}/`).join('a/').split(`b${dir}/`).join('b/');
  }
  return patch;
}

export async function writePatch(from: string, to: string, file: string): Promise<string> {
  const patch = await diffTrees(from, to);
  writeFileSync(file, patch);
  return patch;
}

/** Lays the task workspaces over a copy of the base, in order: the run's combined result. */
export function combineWorkspaces(baseDir: string, workspaces: string[], resultDir: string): void {
  cpSync(baseDir, resultDir, { recursive: true, verbatimSymlinks: true });
  for (const ws of workspaces) cpSync(ws, resultDir, { recursive: true, force: true, verbatimSymlinks: true });
}

/** `git apply --stat` of a patch: the diffstat shown by `mcp status`. */
export async function patchStat(patchFile: string, cwd: string): Promise<string> {
  const result = await runCommand(['git', 'apply', '--stat', patchFile], { cwd });
  return result.code === 0 ? result.stdout.trimEnd() : '';
}
