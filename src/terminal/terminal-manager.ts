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
  /** Started ahead of their slot, waiting for `spawn` with the same launch (see `hold`). */
  private readonly held = new Map<string, PtyProcess>();

  constructor(private readonly policy: SpawnPolicy) {}

  /**
   * Starts `options.argv` in a PTY under `id` (a task id, or `<runId>/planner`). A process
   * held for `id` with the same launch is released instead of starting another.
   */
  spawn(id: string, options: PtyProcessOptions): PtyProcess {
    if (this.live.has(id)) throw new Error(`terminal ${id} is already running`);
    const held = this.held.get(id);
    if (held && sameLaunch(held.launch, options)) {
      this.held.delete(id);
      this.adopt(id, held);
      held.release(options);
      return held;
    }
    this.discard(id);
    assertSpawnAllowed(options.argv[0] ?? '', this.policy.allowList, this.policy.codexPath ?? '');
    const child = new PtyProcess(options);
    this.adopt(id, child);
    return child;
  }

  /**
   * Starts the PTY and shell of a process that `spawn(id, …)` will want soon, and stops
   * it before its program runs (a task whose slot is not open yet). Nothing runs that the
   * spawn policy would refuse; a later `spawn` with another launch, `discard`, or `stopAll`
   * ends it.
   */
  hold(id: string, options: PtyProcessOptions): void {
    if (this.live.has(id) || this.held.has(id)) return;
    assertSpawnAllowed(options.argv[0] ?? '', this.policy.allowList, this.policy.codexPath ?? '');
    const child = new PtyProcess({ ...options, held: true });
    this.held.set(id, child);
    void child.exited.then(() => {
      if (this.held.get(id) === child) this.held.delete(id);
    });
  }

  /** Ends what `hold` started for `id`, if it was never spawned. */
  discard(id: string): void {
    const child = this.held.get(id);
    this.held.delete(id);
    child?.stop('finished');
  }

  private adopt(id: string, child: PtyProcess): void {
    this.live.set(id, child);
    void child.exited.then(() => {
      if (this.live.get(id) === child) this.live.delete(id);
    });
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
    for (const id of [...this.held.keys()]) if (id.startsWith(prefix)) this.discard(id);
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

/** A held process serves a spawn only for exactly what it was started with. */
function sameLaunch(a: PtyProcessOptions, b: PtyProcessOptions): boolean {
  return (
    a.argv.length === b.argv.length &&
    a.argv.every((arg, i) => arg === b.argv[i]) &&
    a.cwd === b.cwd &&
    a.stdoutLog === b.stdoutLog &&
    a.stderrLog === b.stderrLog &&
    a.stdinFile === b.stdinFile &&
    a.cols === b.cols &&
    a.rows === b.rows &&
    a.onData === b.onData &&
    sameEnv(a.env, b.env)
  );
}

function sameEnv(a: NodeJS.ProcessEnv, b: NodeJS.ProcessEnv): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
