import type { WebSocket } from 'ws';
import * as z from 'zod';
import { isFinalTaskState } from '../../domain/task-state.js';
import { openAttach } from '../../orchestrator/attach-client.js';
import type { StateRoot } from '../../store/state-root.js';
import type { TaskStore } from '../../store/task-store.js';
import { readFileTail } from '../../terminal/file-tail.js';
import { spawnViewerPty, type ViewerPty } from '../../terminal/viewer-pty.js';
import { findCodexBinary, missingCodexMessage } from '../../agents/codex-binary.js';
import { codexRemoteTuiArgs } from '../../agents/app-server/task-session.js';
import { errorMessage } from '../../domain/errors.js';

/**
 * Output held for one page beyond this pauses the attach stream: the supervisor then drops
 * output for this viewer alone and sends a fresh screen once it reads again (attach-session),
 * so a slow page never slows the task nor grows this process.
 */
const HIGH_WATER_BYTES = 1024 * 1024;
/** The end of stdout.log shown for a task that is not live: a few screens of history. */
const HISTORY_BYTES = 256 * 1024;

/**
 * From the page: keys typed once the user took the terminal (it opens read-only). The page
 * never resizes the task's PTY: it takes the PTY's size, so a terminal attached elsewhere
 * (`mcp attach`) keeps its layout.
 */
const pageMessageSchema = z.object({ type: z.literal('input'), data: z.string().max(64 * 1024) }).strict();

/** To the page, as text frames; terminal bytes go as binary frames. */
export type TerminalNotice =
  | { type: 'attached'; cols: number | null; rows: number | null }
  | { type: 'history'; why: string }
  | { type: 'screen' }
  | { type: 'notice'; message: string }
  | { type: 'ended' };

/** The size of the Codex TUI a page opens: the page's terminal takes it. */
const TUI_COLS = 120;
const TUI_ROWS = 36;

/**
 * A Codex task is seen as a person sees it in `mcp attach`: the real Codex TUI on its
 * session (`codex resume --remote`), run by this server in a PTY of its own for this page.
 * Closing the page ends that TUI, never the task (Codex's Ctrl-C and Esc, typed in the page,
 * do interrupt the turn, as in Codex).
 */
function bridgeCodexTui(ws: WebSocket, socket: string, threadId: string): void {
  const codex = findCodexBinary(process.env);
  if (!codex.path) {
    notice(ws, { type: 'notice', message: missingCodexMessage(codex) });
    ws.close();
    return;
  }
  let tui: ViewerPty;
  try {
    tui = spawnViewerPty([codex.path, ...codexRemoteTuiArgs(socket, threadId)], { codexPath: codex.path, cwd: process.cwd(), env: process.env, cols: TUI_COLS, rows: TUI_ROWS });
  } catch (error) {
    notice(ws, { type: 'notice', message: `the Codex TUI did not start: ${errorMessage(error)}` });
    ws.close();
    return;
  }
  notice(ws, { type: 'attached', cols: TUI_COLS, rows: TUI_ROWS });
  tui.onData((chunk) => {
    if (ws.readyState === ws.OPEN) ws.send(chunk);
  });
  tui.onExit(() => {
    notice(ws, { type: 'ended' });
    ws.close();
  });
  onPageInput(ws, (input) => tui.write(input));
  ws.on('close', () => tui.close());
}

/** The page's keystrokes; anything else it sends (binary, bad JSON, another shape) is ignored. */
function onPageInput(ws: WebSocket, input: (bytes: Buffer) => void): void {
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(data));
    } catch {
      return;
    }
    const message = pageMessageSchema.safeParse(parsed);
    if (message.success) input(Buffer.from(message.data.data, 'utf8'));
  });
}

function notice(ws: WebSocket, message: TerminalNotice): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

/**
 * One page's view of one task's terminal, the way `mcp attach` gets it: through the
 * supervisor's socket (its replay of the current screen, then the live stream). A task that
 * is not live (ended, or no supervisor) shows the end of its stdout.log instead, read-only.
 */
export async function bridgeTerminal(ws: WebSocket, root: StateRoot, store: TaskStore, ref: string): Promise<void> {
  let taskId: string;
  let final: boolean;
  try {
    const task = store.resolveTask(ref);
    taskId = task.id;
    final = isFinalTaskState(task.status);
  } catch {
    notice(ws, { type: 'notice', message: `no task ${ref}` });
    ws.close();
    return;
  }
  const history = (why: string): void => {
    notice(ws, { type: 'history', why });
    const tail = readFileTail(root.taskFiles(taskId).stdout, HISTORY_BYTES);
    if (tail.length > 0) ws.send(tail);
    notice(ws, { type: 'ended' });
  };
  if (final) return history('the task has ended; the end of its output');
  const session = await openAttach(root.socketPath, taskId);
  if (!session) return history('no supervisor answers: the end of the output so far');
  if (!session.reply.ok) {
    session.close();
    return history(`not running here (${String(session.reply.error ?? session.reply.status)}); the end of its output`);
  }
  if (session.reply.mode === 'codex') {
    session.close();
    return bridgeCodexTui(ws, String(session.reply.socket), String(session.reply.threadId));
  }
  if (ws.readyState !== ws.OPEN) {
    session.close();
    return;
  }
  const size = session.reply as { cols?: unknown; rows?: unknown };
  notice(ws, { type: 'attached', cols: typeof size.cols === 'number' ? size.cols : null, rows: typeof size.rows === 'number' ? size.rows : null });
  let paused = false;
  session.onOutput((chunk, screen) => {
    if (ws.readyState !== ws.OPEN) return;
    if (screen) notice(ws, { type: 'screen' });
    ws.send(chunk, () => {
      if (paused && ws.bufferedAmount < HIGH_WATER_BYTES / 2) {
        paused = false;
        session.resume();
      }
    });
    if (!paused && ws.bufferedAmount > HIGH_WATER_BYTES) {
      paused = true;
      session.pause();
    }
  });
  session.onNotice((message) => notice(ws, { type: 'notice', message }));
  session.onEnd(() => {
    notice(ws, { type: 'ended' });
    ws.close();
  });
  onPageInput(ws, (input) => session.input(input));
  ws.on('close', () => session.close());
}
