import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, McpError, StateRootError } from '../domain/errors.js';
import { canTransition, hasLiveProcess, isFinalRunState, isInFlight, type RunState } from '../domain/task-state.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { createSocketDir, removeSocketDir, SOCKET_FILE } from '../store/control-socket.js';
import { SnapshotWriter } from '../store/snapshot.js';
import { serveAttach } from './attach-session.js';
import { ControlServer, type ControlConnection } from './control-server.js';
import type { PtyProcess } from '../terminal/pty-process.js';
import { refuse, type ControlReply, type ControlRequest } from './control-protocol.js';
import type { Decider } from '../domain/events.js';
import { recoverRun } from './recovery.js';
import { RunController, type ExecutorDeps, type RunNews } from './run-controller.js';
import { runSupervisor } from './run-supervisor.js';
import { transitionDepsFor, transitionTask, type TaskChange } from './transitions.js';
import { SupervisorLock, thisProcess, type LockHolder } from './supervisor-lock.js';

/**
 * The one process per state root that holds PTYs: it runs runs, answers the control
 * socket, and keeps the snapshot current.
 */
export class Supervisor {
  private readonly executors = new Map<string, RunController>();
  private readonly finished = new Map<string, Promise<RunState>>();
  private readonly control: ControlServer;
  private readonly snapshot: SnapshotWriter;
  private readonly changeListeners: ((change: TaskChange) => void)[] = [];
  private readonly newsListeners: ((news: RunNews) => void)[] = [];

  private constructor(
    private readonly deps: ExecutorDeps,
    private readonly lock: SupervisorLock,
    private readonly socketPath: string,
  ) {
    this.control = new ControlServer(socketPath, (request, connection) => this.handle(request, connection));
    this.snapshot = new SnapshotWriter(deps.store, deps.root.snapshotPath, (error) => this.log(`snapshot not written: ${errorMessage(error)}`));
  }

  /**
   * Becomes the supervisor of the state root, or returns who already is. On any failure
   * nothing is left behind: no socket listening (it would keep this process alive with
   * nothing to do), no lock, no record.
   */
  static async start(deps: ExecutorDeps): Promise<Supervisor | LockHolder> {
    const { root } = deps;
    const lock = new SupervisorLock(root.lockPath);
    const holder = lock.acquire();
    if (holder) return holder;
    let supervisor: Supervisor | null = null;
    try {
      // The lock is ours, so whoever recorded a socket before is dead: clear its leftovers.
      const stale = root.socketPath;
      if (stale) removeSocketDir(stale);
      supervisor = new Supervisor(deps, lock, path.join(createSocketDir(), SOCKET_FILE));
      await supervisor.control.listen();
      root.recordSocket(supervisor.socketPath);
    } catch (error) {
      if (supervisor) {
        await supervisor.control.close();
        removeSocketDir(supervisor.socketPath);
      }
      lock.release();
      if (error instanceof McpError) throw error;
      throw new StateRootError(`the supervisor of ${root.dir} could not open its control socket: ${errorMessage(error)}`, 'mcp doctor checks the state root; a short TMPDIR you can write to holds the socket');
    }
    supervisor.log(`supervisor ${process.pid} started, socket ${supervisor.socketPath}`);
    return supervisor;
  }

  onTaskChange(listener: (change: TaskChange) => void): void {
    this.changeListeners.push(listener);
  }

  /** Run-level news: the plan, replans, merges. */
  onNews(listener: (news: RunNews) => void): void {
    this.newsListeners.push(listener);
  }

  log(message: string): void {
    try {
      appendFileSync(this.deps.root.supervisorLogPath, `${new Date().toISOString()} ${message}\n`);
    } catch {
      /* the log is best effort; the store holds what matters */
    }
  }

  /**
   * Runs a run already written to the store; resolves with its final state. `ready`: what
   * must be done first (a run taken over is recovered); the run counts as this supervisor's
   * meanwhile, so it is neither taken twice nor left by a supervisor about to stop.
   */
  runRun(runId: string, ready?: Promise<unknown>): Promise<RunState> {
    const existing = this.finished.get(runId);
    if (existing) return existing;
    const executor = new RunController(this.deps, runId);
    executor.onTaskChange((change) => {
      this.log(`task ${change.task.id} ${change.from} -> ${change.to}${change.task.reason ? ` (${change.task.reason})` : ''}`);
      for (const listener of this.changeListeners) listener(change);
    });
    executor.onNews((news) => {
      this.log(`run ${runId} ${news.event.type}`);
      for (const listener of this.newsListeners) listener(news);
    });
    this.executors.set(runId, executor);
    const done = (ready ? ready.then(() => executor.execute()) : executor.execute())
      .catch((error: unknown) => {
        this.log(`run ${runId} crashed: ${errorMessage(error)}`);
        this.deps.store.updateRun(runId, { status: 'failed', reason: `supervisor error: ${errorMessage(error)}`, endedAt: new Date().toISOString() });
        return 'failed' as RunState;
      })
      .then((state) => {
        this.executors.delete(runId);
        this.log(`run ${runId} ended ${state}`);
        this.snapshot.flush();
        return state;
      });
    this.finished.set(runId, done);
    return done;
  }

  busy(): boolean {
    return this.executors.size > 0;
  }

  /** Resolves when no run is executing any more. */
  async idle(): Promise<void> {
    while (this.executors.size > 0) await Promise.all([...this.finished.values()]);
  }

  private handle(request: ControlRequest, connection: ControlConnection): ControlReply | Promise<ControlReply> | null {
    switch (request.op) {
      case 'attach':
        return this.attach(request.task, request.cols, request.rows, request.by ? { kind: 'person', ...request.by, via: 'tui' } : null, connection);
      case 'approve': {
        const held = this.holder(request.task);
        if (!held) return this.notHere(request.task);
        const by: Decider = { kind: 'person', ...request.by, via: request.via };
        const result = held.executor.answerApproval(held.taskId, request.id, request.decision, by);
        if (!result.ok) return refuse(result.code, result.error);
        this.log(`task ${held.taskId}: approval ${result.id} ${request.decision} by ${request.by.user} (uid ${request.by.uid ?? '?'}, pid ${request.by.pid ?? '?'}, ${request.via})`);
        return { ok: true, task: held.taskId, id: result.id, command: result.command, decision: request.decision };
      }
      case 'send': {
        const held = this.holder(request.task);
        if (!held) return this.notHere(request.task);
        return held.executor.send(held.taskId, request.text, { kind: 'person', ...request.by, via: request.via }).then((result) => (result.ok ? { ok: true, task: held.taskId, turn: result.turn } : refuse('refused', result.error)));
      }
      case 'done': {
        const held = this.holder(request.task);
        if (!held) return this.notHere(request.task);
        const result = held.executor.done(held.taskId);
        return result.ok ? { ok: true, task: held.taskId } : refuse('not_waiting', result.error);
      }
      case 'ping':
        return { ok: true, pid: process.pid, runs: [...this.executors.keys()] };
      case 'submit': {
        if (!this.deps.store.getRun(request.runId)) return refuse('not_found', `no run ${request.runId}`);
        void this.runRun(request.runId);
        return { ok: true, runId: request.runId };
      }
      case 'adopt':
        return this.adopt(request.runId);
      case 'kill':
        return this.kill(request.target);
    }
  }

  /**
   * Takes over a run whose supervisor died, as `mcp resume` would: its orphaned processes
   * are stopped and its interrupted tasks resumed. Only the holder of the state root's lock
   * may run anything there, so `mcp resume RUN` asks this supervisor rather than failing.
   * Replies once the run is recovered, with what was done; a run it runs already is not
   * taken twice.
   */
  private adopt(runId: string): ControlReply | Promise<ControlReply> {
    const run = this.deps.store.getRun(runId);
    if (!run) return refuse('not_found', `no run ${runId}`);
    if (isFinalRunState(run.status)) return refuse('not_running', `run ${runId} already ended (${run.status})`, { status: run.status });
    if (this.executors.has(runId) || runSupervisor(run, thisProcess()) === 'live') return { ok: true, runId, interrupted: [], orphansStopped: [] };
    this.log(`run ${runId} taken over: its supervisor is gone`);
    // recoverRun marks the run this supervisor's before its first await, and runRun holds it from now on.
    const recovery = recoverRun(this.deps.root, this.deps.store, run, this.deps.killGraceMs);
    void this.runRun(runId, recovery);
    return recovery.then(
      ({ interrupted, orphansStopped }) => ({ ok: true, runId, interrupted, orphansStopped }),
      (error: unknown) => refuse('internal', `run ${runId} could not be taken over: ${errorMessage(error)}`),
    );
  }

  /** The run that holds a task (by id or plan key), and the task's id. */
  private holder(ref: string): { executor: RunController; taskId: string } | null {
    for (const executor of this.executors.values()) {
      const taskId = executor.resolveKey(ref);
      if (taskId) return { executor, taskId };
    }
    return null;
  }

  private notHere(ref: string): ControlReply {
    const task = this.deps.store.getTask(ref);
    return refuse(task ? 'not_running' : 'not_found', task ? `task ${ref} is not running under this supervisor (${task.status})` : `no task ${ref}`, task ? { status: task.status } : {});
  }

  /**
   * A viewer for a task. A Codex session is reached through the Codex TUI on its thread:
   * the reply says where, and the connection ends. A command task's PTY streams: a reply
   * line, then frames (the current screen, every new chunk; keys and sizes back). Several
   * viewers may watch one task; closing the connection detaches.
   */
  private attach(ref: string, cols: number | undefined, rows: number | undefined, by: Decider | null, connection: ControlConnection): ControlReply | null {
    const held = this.holder(ref);
    if (held?.executor.isCodexSession(held.taskId)) {
      const address = held.executor.codexThread(held.taskId, by);
      if (!address) return refuse('not_running', `task ${held.taskId} has no Codex thread to open yet; try again in a moment`, { status: 'starting' });
      this.log(`viewer opens the Codex TUI on ${held.taskId}`);
      return { ok: true, task: held.taskId, mode: 'codex', socket: address.socket, threadId: address.threadId };
    }
    const pty: PtyProcess | null = held ? held.executor.livePty(held.taskId) : null;
    if (!held || !pty) return this.notHere(ref);
    if (cols && rows) pty.resize(cols, rows);
    connection.reply({ ok: true, task: held.taskId, mode: 'terminal', ...pty.size });
    serveAttach(connection, pty);
    this.log(`viewer attached to ${held.taskId}`);
    return null;
  }

  /** Stops every run this supervisor holds (Ctrl-C, SIGTERM, `mcp kill --all`). */
  killAll(): string[] {
    const stopped: string[] = [];
    for (const executor of this.executors.values()) stopped.push(...executor.killAll());
    return stopped;
  }

  private kill(target: string): ControlReply {
    if (target === 'all') return this.killReply(this.killAll());
    const run = this.executors.get(target);
    if (run) return this.killReply(run.killAll());
    for (const executor of this.executors.values()) {
      if (executor.taskIds().includes(target)) {
        return executor.killTask(target) ? this.killReply([target]) : { ok: true, stopped: [], note: 'task already finished' };
      }
    }
    const task = this.deps.store.getTask(target);
    if (task && isInFlight(task.status)) return refuse('not_held', `task ${target} is not held by this supervisor`);
    return { ok: true, stopped: [], note: 'nothing running to stop' };
  }

  /**
   * What a kill did to each task: a task whose process was signalled is `stopped`; one with
   * no process (waiting for its dependencies or a slot, or between attempts) is `cancelled`,
   * and would otherwise read as stopped. Read right after the kill, before any task has
   * moved: the kill only signals, the transitions come as the tasks end.
   */
  private killReply(ended: string[]): ControlReply {
    // The planner ("<run> (planner)") is no task: it is a process, stopped.
    const hadProcess = (id: string): boolean => {
      const task = this.deps.store.getTask(id);
      return !task || hasLiveProcess(task.status);
    };
    return { ok: true, stopped: ended.filter(hadProcess), cancelled: ended.filter((id) => !hadProcess(id)) };
  }

  async shutdown(): Promise<void> {
    this.snapshot.flush();
    // The record goes before the lock: once the lock is free, a new supervisor writes its own.
    this.deps.root.forgetSocket(this.socketPath);
    await this.control.close();
    removeSocketDir(this.socketPath);
    this.lock.release();
    this.log(`supervisor ${process.pid} stopped`);
  }
}

/**
 * A run given to a supervisor that could not start (or that no supervisor took) would
 * otherwise stay `running` with nobody running it: it ends `failed`, saying why.
 */
export function failUnstartedRun(root: StateRoot, store: TaskStore, runId: string, error: unknown, what = 'supervisor did not start'): void {
  const run = store.getRun(runId);
  if (!run || isFinalRunState(run.status)) return;
  const reason = `${what}: ${errorMessage(error)}`;
  const endedAt = new Date().toISOString();
  // Its tasks never ran and never will: left `pending`, a failed run would show them waiting.
  const deps = transitionDepsFor(root, store);
  const taskReason = reason.startsWith('not started') ? reason : `not started: ${reason}`;
  for (const task of store.tasksOf(runId)) {
    if (canTransition(task.status, 'blocked')) transitionTask(deps, task, 'blocked', { reason: taskReason, endedAt });
  }
  store.updateRun(runId, { status: 'failed', reason, endedAt });
}
