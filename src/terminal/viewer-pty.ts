import { nodePty } from './node-pty.js';
import { signalGroup } from './process-info.js';
import { assertSpawnAllowed } from './spawn-policy.js';

export interface ViewerPty {
  onData(listener: (data: Buffer) => void): void;
  onExit(listener: (exitCode: number | null) => void): void;
  write(data: Buffer | string): void;
  /** Ends the viewer's program (its whole process group), never the task it shows. */
  close(): void;
}

/**
 * A program a viewer runs to look at a task (the Codex TUI on a task's session, for the web
 * page): a PTY of its own, outside the supervisor's task terminals, with raw bytes both
 * ways. Only the Codex binary may be started here.
 */
export function spawnViewerPty(argv: string[], options: { codexPath: string; cwd: string; env: NodeJS.ProcessEnv; cols: number; rows: number }): ViewerPty {
  const [file = '', ...args] = argv;
  assertSpawnAllowed(file, [], options.codexPath);
  const term = nodePty().spawn(file, args, { name: 'xterm-256color', cols: options.cols, rows: options.rows, cwd: options.cwd, env: options.env as Record<string, string>, encoding: null });
  let ended = false;
  term.onExit(() => (ended = true));
  return {
    onData: (listener) => term.onData((data: string | Buffer) => listener(typeof data === 'string' ? Buffer.from(data) : data)),
    onExit: (listener) => term.onExit(({ exitCode, signal }) => listener(signal ? null : exitCode)),
    write: (data) => {
      if (!ended) term.write(data);
    },
    close: () => {
      // The group: on Node 20 the codex launcher and the TUI are two processes.
      if (!ended) signalGroup(term.pid, 'SIGHUP');
    },
  };
}
