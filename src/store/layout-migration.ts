import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync } from 'node:fs';
import path from 'node:path';

/**
 * State roots written by mcp 0.1 kept each run's own files in `runs/_runs/<runId>/` and the
 * exchanges of `mcp plan` in `runs/_plans/`, among the per-task folders. They now live in
 * `run-records/<runId>/` and `plans/`. Moves what is left in the old places; returns what
 * moved. A move is a rename in one file system: nothing is copied, nothing can be half done.
 * A worktree that sat in a moved folder (the result worktree of an old run) is left to
 * `git worktree prune`; nothing uses it any more.
 */
export function migrateLayout(stateDir: string): string[] {
  const moved: string[] = [];
  const runs = path.join(stateDir, 'runs');
  moveChildren(path.join(runs, '_runs'), path.join(stateDir, 'run-records'), moved);
  moveChildren(path.join(runs, '_plans'), path.join(stateDir, 'plans'), moved);
  return moved;
}

function moveChildren(from: string, to: string, moved: string[]): void {
  if (!existsSync(from)) return;
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const target = path.join(to, name);
    // Never overwrite: a folder already in the new place is the newer one.
    if (existsSync(target)) continue;
    renameSync(path.join(from, name), target);
    moved.push(target);
  }
  try {
    rmdirSync(from);
  } catch {
    /* something was left because its new place was taken: keep it where it is */
  }
}
