import { accessSync, constants, mkdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { StateRootError } from '../domain/errors.js';

/** Where everything of one state root lives (README "What is on disk"). */
export class StateRoot {
  constructor(readonly dir: string) {}

  get storeDir(): string {
    return path.join(this.dir, 'store');
  }
  get dbPath(): string {
    return path.join(this.storeDir, 'tasks.db');
  }
  get snapshotPath(): string {
    return path.join(this.storeDir, 'snapshot.json');
  }
  get runsDir(): string {
    return path.join(this.dir, 'runs');
  }
  /** The socket sits in its own 0700 directory so no other user can even reach it. */
  get controlDir(): string {
    return path.join(this.dir, 'control');
  }
  get socketPath(): string {
    return path.join(this.controlDir, 'supervisor.sock');
  }
  get lockPath(): string {
    return path.join(this.dir, 'supervisor.lock');
  }
  get supervisorLogPath(): string {
    return path.join(this.dir, 'supervisor.log');
  }
  taskDir(taskId: string): string {
    return path.join(this.runsDir, taskId);
  }
  workspaceDir(taskId: string): string {
    return path.join(this.taskDir(taskId), 'workspace');
  }
  runDir(runId: string): string {
    return path.join(this.runsDir, '_runs', runId);
  }

  exists(): boolean {
    return existsSync(this.dbPath);
  }

  /** Creates the layout, refusing with one clear line when the place cannot hold it. */
  prepare(): void {
    try {
      const stat = statSync(this.dir, { throwIfNoEntry: false });
      if (stat && !stat.isDirectory()) {
        throw new StateRootError(`state root ${this.dir} is not a directory`, 'give --state-dir a directory path');
      }
      makeDirs(this.storeDir);
      makeDirs(this.runsDir);
      makeDirs(this.controlDir, 0o700);
      accessSync(this.dir, constants.W_OK);
      // A state root inside a git project must never show up in `git status`.
      const ignore = path.join(this.dir, '.gitignore');
      if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
    } catch (error) {
      if (error instanceof StateRootError) throw error;
      const e = error as NodeJS.ErrnoException;
      const why = e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'EPERM' ? 'is not writable' : e.code === 'ENOSPC' ? 'is on a full disk' : e.code === 'ENOTDIR' ? 'has a file where a directory should be' : `cannot be used (${e.code ?? e.message})`;
      throw new StateRootError(`state root ${this.dir} ${why}`, 'choose another --state-dir or fix its permissions');
    }
  }
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir spins forever on some special
 * file systems (seen with a path under /proc), and a state root there must fail cleanly.
 */
function makeDirs(dir: string, mode?: number): void {
  const missing: string[] = [];
  let current = path.resolve(dir);
  while (!existsSync(current)) {
    missing.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing) mkdirSync(level, mode === undefined ? undefined : { mode });
}
