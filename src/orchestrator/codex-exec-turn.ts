import { readCodexLine } from '../agents/codex-events.js';
import type { TaskEvent } from '../domain/events.js';
import { LineSplitter } from '../terminal/line-splitter.js';
import type { PtyExit, PtyProcess } from '../terminal/pty-process.js';
import type { TerminalManager } from '../terminal/terminal-manager.js';

export interface ExecTurnSpec {
  terminals: TerminalManager;
  /** The terminal's id (a task id, or `<runId>/planner`). */
  id: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdoutLog: string;
  stderrLog: string;
  /** The prompt, fed on stdin (`codex exec -`): a prompt may be larger than argv allows. */
  promptFile: string;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  killGraceMs: number;
  /** Each event Codex's JSON stream gives, as it comes. */
  onEvent: (event: TaskEvent) => void;
  /** The thread id, once `thread.started` names it. */
  onSession?: (sessionId: string) => void;
  /** Called with the process once it started (its pid is recorded before anything else). */
  onSpawn?: (child: PtyProcess) => void;
}

export interface ExecTurn {
  exit: PtyExit;
  sessionId: string | null;
  /** Why the turn failed (`turn.failed`), or null. */
  failure: string | null;
  /** The last error Codex reported (top-level error or failed turn), quoted to a retry. */
  lastError: string | null;
}

/**
 * One `codex exec --json` turn in a PTY: the planner's and an exec task's. Codex's JSON
 * lines become mcp's events; the turn's outcome is read from them and the exit.
 */
export async function runExecTurn(spec: ExecTurnSpec): Promise<ExecTurn> {
  const turn: Omit<ExecTurn, 'exit'> = { sessionId: null, failure: null, lastError: null };
  const splitter = new LineSplitter((line) => {
    const read = readCodexLine(line);
    if (!read) return;
    if (read.event) spec.onEvent(read.event);
    if (read.sessionId && read.sessionId !== turn.sessionId) {
      turn.sessionId = read.sessionId;
      spec.onSession?.(read.sessionId);
    }
    if (read.failure) turn.failure = read.failure;
    if (read.event?.type === 'codex.error' || read.event?.type === 'codex.turn_failed') turn.lastError = read.event.message;
  });
  const child = spec.terminals.spawn(spec.id, {
    argv: spec.argv,
    cwd: spec.cwd,
    env: { ...spec.env, TERM: 'xterm-256color' },
    stdoutLog: spec.stdoutLog,
    stderrLog: spec.stderrLog,
    stdinFile: spec.promptFile,
    timeoutMs: spec.timeoutMs,
    idleTimeoutMs: spec.idleTimeoutMs,
    killGraceMs: spec.killGraceMs,
    onData: (chunk) => splitter.push(chunk),
  });
  spec.onSpawn?.(child);
  const exit = await child.exited;
  splitter.end();
  return { ...turn, exit };
}
