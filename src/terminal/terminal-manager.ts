import { PtyProcess, type PtyProcessOptions, type StopReason } from './pty-process.js';
import { assertSpawnAllowed } from './spawn-policy.js';

export interface SpawnPolicy {
  /** Program names a `command` task may start (argv[0] without a directory). */
  allowList: readonly string[];
  /** The resolved Codex binary: always allowed. */
  codexPath: string | null;
}

/**
 * The one owner of every PTY the supervisor starts, tasks and planner alike (as VS Code's
 * pty host holds every terminal by id). The spawn policy is checked here, so nothing can
 * start a process around it, and `stopAll` reaches every live child: a kill during
 * planning stops the planner's Codex as surely as a task's.
 */
export class TerminalManager {
  private readonly live = new Map<string, PtyProcess>();

  constructor(private readonly policy: SpawnPolicy) {}

  /** Starts `options.argv` in a PTY under `id` (a task id, or `<runId>/planner`). */
  spawn(id: string, options: PtyProcessOptions): PtyProcess {
    if (this.live.has(id)) throw new Error(`terminal ${id} is already running`);
    assertSpawnAllowed(options.argv[0] ?? '', this.policy.allowList, this.policy.codexPath ?? '');
    const child = new PtyProcess(options);
    this.live.set(id, child);
    void child.exited.then(() => {
      if (this.live.get(id) === child) this.live.delete(id);
    });
    return child;
  }

  get(id: string): PtyProcess | undefined {
    return this.live.get(id);
  }

  /** Stops one terminal (SIGTERM, then SIGKILL after its grace period); false if none runs. */
  stop(id: string, reason: StopReason): boolean {
    const child = this.live.get(id);
    child?.stop(reason);
    return child !== undefined;
  }

  /** Stops every terminal whose id starts with `prefix` (all of them without one); returns their ids. */
  stopAll(reason: StopReason, prefix = ''): string[] {
    const stopped: string[] = [];
    for (const [id, child] of this.live) {
      if (!id.startsWith(prefix)) continue;
      child.stop(reason);
      stopped.push(id);
    }
    return stopped;
  }

  ids(): string[] {
    return [...this.live.keys()];
  }
}
