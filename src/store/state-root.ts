import { accessSync, constants, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { StateRootError } from '../domain/errors.js';
import { makeDirs } from '../paths/make-dirs.js';
import { socketPathFits } from './control-socket.js';
import { migrateLayout } from './layout-migration.js';

export interface TaskFiles {
  dir: string;
  /** The task's isolated working copy. */
  workspace: string;
  /** Raw PTY output, append-only. */
  stdout: string;
  /** The child's stderr, kept apart from the PTY stream. */
  stderr: string;
  events: string;
  /** Codex's final message; for a command, its output tail. */
  lastMessage: string;
  prompt: string;
  /** The task's own change as a patch (runs outside git). */
  resultPatch: string;
  /** Where the task's `codex app-server` listens (Codex links it to a short socket of its own). */
  codexSocket: string;
}

export interface RunFiles {
  dir: string;
  /** The run's own events: planning, replans, merges. */
  events: string;
  /** One planner exchange (`plan-1`, `replan-2`): prompts, answers, logs. */
  plannerDir(name: string): string;
  /** The run's result as one patch (outside git). */
  resultPatch: string;
  /** Outside git: the run's private repository, holding the project and every task's work. */
  repo: string;
  /** A worktree on the result branch, where older versions merged (kept for migration and clean). */
  resultWorktree: string;
}

/** Where everything of one state root lives (README "What is on disk"). */
export class StateRoot {
  constructor(readonly dir: string) {}

  get storeDir(): string {
    return path.join(this.dir, 'store');
  }
  get dbPath(): string {
    return path.join(this.storeDir, 'tasks.db');
  }
  /** What the state root's folders were last measured to hold (root-usage.ts). */
  get diskUsagePath(): string {
    return path.join(this.storeDir, 'disk-usage.json');
  }
  get snapshotPath(): string {
    return path.join(this.storeDir, 'snapshot.json');
  }
  get runsDir(): string {
    return path.join(this.dir, 'runs');
  }
  /** Private (0700): it holds where the supervisor's socket is. */
  get controlDir(): string {
    return path.join(this.dir, 'control');
  }
  /**
   * The socket itself lives outside the state root, in a short private directory (see
   * control-socket.ts): a state root's path can be longer than a socket path may be. The
   * supervisor writes where it listens here, so every client of this state root finds it
   * whatever its own environment (TMPDIR) says.
   */
  get socketRecordPath(): string {
    return path.join(this.controlDir, 'socket');
  }
  /** Where the supervisor that last started here listens; null when none recorded it. */
  get socketPath(): string | null {
    let recorded: string;
    try {
      recorded = readFileSync(this.socketRecordPath, 'utf8').trim();
    } catch {
      return null;
    }
    return path.isAbsolute(recorded) && socketPathFits(recorded) ? recorded : null;
  }
  /** Written whole (tmp + rename): a client never reads half a path. */
  recordSocket(socketPath: string): void {
    const tmp = `${this.socketRecordPath}.${process.pid}.tmp`;
    writeFileSync(tmp, `${socketPath}\n`, { mode: 0o600 });
    try {
      renameSync(tmp, this.socketRecordPath);
    } catch (error) {
      unlinkSync(tmp);
      throw error;
    }
  }
  /** Forgets the record if it still names `socketPath` (a newer supervisor's stays). */
  forgetSocket(socketPath: string): void {
    if (this.socketPath !== socketPath) return;
    try {
      unlinkSync(this.socketRecordPath);
    } catch {
      /* already gone */
    }
  }
  get lockPath(): string {
    return path.join(this.dir, 'supervisor.lock');
  }
  get supervisorLogPath(): string {
    return path.join(this.dir, 'supervisor.log');
  }
  /** One folder per run: its own events, the planner's exchanges, its result (the per-task folders stay in runs/). */
  get runRecordsDir(): string {
    return path.join(this.dir, 'run-records');
  }
  /** The exchanges of `mcp plan`, which belong to no run. */
  get plansDir(): string {
    return path.join(this.dir, 'plans');
  }
  taskDir(taskId: string): string {
    return path.join(this.runsDir, taskId);
  }
  workspaceDir(taskId: string): string {
    return path.join(this.taskDir(taskId), 'workspace');
  }
  runDir(runId: string): string {
    return path.join(this.runRecordsDir, runId);
  }

  /** Every file of one task. */
  taskFiles(taskId: string): TaskFiles {
    const dir = this.taskDir(taskId);
    return {
      dir,
      workspace: path.join(dir, 'workspace'),
      stdout: path.join(dir, 'stdout.log'),
      stderr: path.join(dir, 'stderr.log'),
      events: path.join(dir, 'events.ndjson'),
      lastMessage: path.join(dir, 'last-message.md'),
      prompt: path.join(dir, 'prompt.md'),
      resultPatch: path.join(dir, 'result.patch'),
      codexSocket: path.join(dir, 'codex.sock'),
    };
  }

  /** Every file of one run as a whole. */
  runFiles(runId: string): RunFiles {
    const dir = this.runDir(runId);
    return {
      dir,
      events: path.join(dir, 'events.ndjson'),
      plannerDir: (name: string) => path.join(dir, name),
      resultPatch: path.join(dir, 'result.patch'),
      repo: path.join(dir, 'repo'),
      resultWorktree: path.join(dir, 'result'),
    };
  }

  exists(): boolean {
    return existsSync(this.dbPath);
  }

  /** Creates the layout, refusing with one clear line when the place cannot hold it. */
  prepare(): void {
    try {
      const notDir = this.notADirectory();
      if (notDir) throw notDir;
      makeDirs(this.storeDir);
      makeDirs(this.runsDir);
      migrateLayout(this.dir);
      makeDirs(this.controlDir, 0o700);
      accessSync(this.dir, constants.W_OK);
      // A state root inside a git project must never show up in `git status`.
      const ignore = path.join(this.dir, '.gitignore');
      if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
    } catch (error) {
      throw this.unusable(error);
    }
  }

  /**
   * What prepare() would refuse, found without creating anything (`mcp doctor`): the state
   * root, or the nearest folder above it that exists, and its store must be writable
   * directories. `access` is Node's by default; a test gives its own, since root may write
   * where the permissions say nobody may.
   */
  problem(access: (file: string, mode: number) => void = accessSync): StateRootError | null {
    try {
      const notDir = this.notADirectory();
      if (notDir) return notDir;
      let existing = this.dir;
      while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
      if (!statSync(existing).isDirectory()) return this.unusable(Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }));
      access(existing, constants.W_OK);
      if (existsSync(this.storeDir)) access(this.storeDir, constants.W_OK);
      return null;
    } catch (error) {
      return this.unusable(error);
    }
  }

  private notADirectory(): StateRootError | null {
    const stat = statSync(this.dir, { throwIfNoEntry: false });
    return stat && !stat.isDirectory() ? new StateRootError(`state root ${this.dir} is not a directory`, 'give --state-dir a directory path') : null;
  }

  private unusable(error: unknown): StateRootError {
    if (error instanceof StateRootError) return error;
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'EPERM' ? 'is not writable' : e.code === 'ENOSPC' ? 'is on a full disk' : e.code === 'ENOTDIR' ? 'has a file where a directory should be' : `cannot be used (${e.code ?? e.message})`;
    return new StateRootError(`state root ${this.dir} ${why}`, 'choose another --state-dir or fix its permissions');
  }
}
