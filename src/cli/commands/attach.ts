import { NoSupervisorError } from '../../domain/errors.js';
import { isFinalTaskState } from '../../domain/task-state.js';
import { openAttach } from '../../orchestrator/attach-client.js';
import { findCodexBinary, missingCodexMessage } from '../../agents/codex-binary.js';
import { codexRemoteTuiArgs } from '../../agents/app-server/task-session.js';
import { passThrough } from '../../terminal/pass-through-pty.js';
import { resolveContext, type ContextOptions, type McpContext } from '../context.js';
import { askSupervisor } from '../live-task.js';
import { whoAmI } from '../../orchestrator/control-client.js';
import { supervisorGoneError, supervisorOfRuns } from '../../orchestrator/run-supervisor.js';
import { readFileTail } from '../../terminal/file-tail.js';
import { stripAnsi } from '../../terminal/strip-ansi.js';
import { openExistingStore, requireStore } from '../open-store.js';
import type { TaskRecord } from '../../store/records.js';
import type { TaskStore } from '../../store/task-store.js';
import { printable } from '../render/format.js';

/** Ctrl-]: the detach key of telnet and docker attach; never sent to the task. */
const DETACH_KEY = 0x1d;
/** Reset attributes, home, erase the display: where a fresh screen is drawn. */
const CLEAR_SCREEN = '\u001b[0m\u001b[H\u001b[2J';
/** How often the Codex TUI's task is checked for its end: a store read, and the lock's /proc read. */
const TASK_WATCH_MS = 500;
/** How long a supervisor whose connection ended may take to show as dead in /proc. */
const SUPERVISOR_EXIT_MS = 50;
/** Lines of log shown when the task is no longer running. */
const TAIL_LINES = 20;

/**
 * `mcp attach TASK`: a Codex task's session in the real Codex TUI; a command task's PTY in
 * this terminal (raw mode, screen redrawn, size and keys forwarded). Ctrl-] detaches; the
 * task keeps running.
 */
export async function attachCommand(ref: string, options: ContextOptions): Promise<number> {
  const ctx = resolveContext(options);
  const store = requireStore(ctx.root, ref);
  let task;
  try {
    task = store.resolveTask(ref);
  } finally {
    store.close();
  }
  if (isFinalTaskState(task.status)) {
    process.stdout.write(`task ${task.id} is ${task.status}${task.reason ? ` (${task.reason})` : ''}; the end of its log:\n${logTail(ctx.root.taskFiles(task.id).stdout)}\n`);
    return 0;
  }
  const out = process.stdout;
  const session = await openAttach(ctx.root.socketPath, task.id, out.columns, out.rows, whoAmI());
  if (!session) throw new NoSupervisorError(`no supervisor answers for ${ctx.root.dir}`, 'the run is not live: `mcp resume` restarts it, `mcp logs` shows its output');
  if (!session.reply.ok) {
    process.stdout.write(`task ${task.id} is not running here (${String(session.reply.status ?? session.reply.error)}); the end of its log:\n${logTail(ctx.root.taskFiles(task.id).stdout)}\n`);
    return 0;
  }
  if (session.reply.mode === 'codex') {
    // The TUI talks to Codex itself: a PTY stream kept open beside it would only be sent
    // to nobody (the dashboard closes it too).
    session.close();
    return openCodexTui(ctx, task.id, task.key, String(session.reply.socket), String(session.reply.threadId));
  }
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  return new Promise<number>((resolve) => {
    let detached = false;
    const finish = (message: string, code = 0): void => {
      stdin.off('data', onKey);
      out.off('resize', onResize);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      out.write(`\r\n${message}\r\n`);
      resolve(code);
    };
    const onKey = (data: Buffer): void => {
      const at = data.indexOf(DETACH_KEY);
      if (at === -1) return session.input(data);
      if (at > 0) session.input(data.subarray(0, at));
      detached = true;
      session.close();
    };
    const onResize = (): void => {
      if (out.columns && out.rows) session.resize(out.columns, out.rows);
    };
    let held = false;
    session.onOutput((chunk, screen) => {
      if (screen) out.write(CLEAR_SCREEN);
      // A terminal slower than the task holds the stream back; the supervisor then drops
      // output for this viewer and sends a fresh screen once it reads again.
      if (!out.write(chunk) && !held) {
        held = true;
        session.pause();
        out.once('drain', () => {
          held = false;
          session.resume();
        });
      }
    });
    // Messages from the supervisor go to stderr, one line each, never into the task's screen.
    session.onNotice((message) => process.stderr.write(`\r\nmcp attach: ${printable(message)}\r\n`));
    session.onEnd(() => {
      if (detached) return finish(`[detached from ${task.id}; it keeps running]`);
      // The connection also ends when the supervisor dies: the task has not ended then.
      void supervisorGone(ctx, task.id).then((gone) => finish(gone ?? `[${task.id} ended]`, gone ? 4 : 0));
    });
    stdin.on('data', onKey);
    stdin.resume();
    out.on('resize', onResize);
  });
}

/**
 * A Codex session: the real Codex TUI on its thread (`codex resume --remote`), its pending
 * approval included. Ctrl-] ends the TUI and leaves the task running; so does /quit. An
 * interactive task that waits for input can then be ended here.
 */
async function openCodexTui(ctx: McpContext, taskId: string, key: string, socket: string, threadId: string): Promise<number> {
  const codex = findCodexBinary(process.env);
  if (!codex.path) throw new NoSupervisorError(missingCodexMessage(codex), 'the Codex TUI opens the task here');
  const over = new AbortController();
  const watch = watchTaskEnd(ctx, taskId, over);
  let result;
  try {
    result = await passThrough([codex.path, ...codexRemoteTuiArgs(socket, threadId)], { cwd: process.cwd(), env: process.env, detachKey: DETACH_KEY, signal: over.signal });
  } finally {
    watch.stop();
  }
  const end = watch.end();
  if (end) {
    process.stdout.write(`\r\n[${end.text}]\r\n`);
    return end.code;
  }
  process.stdout.write(`\r\n${result.detached ? `[detached from ${taskId}; it keeps running]` : `[left the Codex session of ${taskId}; it keeps running]`}\r\n`);
  if (result.detached || !process.stdin.isTTY) return 0;
  const store = requireStore(ctx.root, taskId);
  const status = (() => {
    try {
      return store.getTask(taskId)?.status;
    } finally {
      store.close();
    }
  })();
  if (status !== 'waiting_input') return 0;
  if (!(await confirm(`${key} waits for your next message. End it now (its work is kept)? [y/N] `))) {
    process.stdout.write(`it waits: mcp send ${key} "…", mcp attach ${key}, or mcp done ${key}\n`);
    return 0;
  }
  await askSupervisor(ctx, { op: 'done', task: taskId, by: whoAmI() }, key);
  process.stdout.write(`${taskId} ends\n`);
  return 0;
}

/**
 * What became of a task attach shows: ended (its record), orphaned (not ended, but its run's
 * supervisor is gone, so it will not go on), or null while it runs.
 */
type Fate = { ended: TaskRecord } | { orphanedIn: string } | null;

function fateOf(ctx: McpContext, store: TaskStore | null, taskId: string): Fate {
  const task = store?.getTask(taskId);
  const run = task ? store?.getRun(task.runId) : undefined;
  if (!task || !run) return null;
  if (isFinalTaskState(task.status)) return { ended: task };
  return supervisorOfRuns(ctx.root.lockPath)(run) === 'gone' ? { orphanedIn: run.id } : null;
}

/** As `mcp logs --follow` says it; attach exits 4 (no supervisor) after it. */
function orphanedLine(taskId: string, runId: string): string {
  const { message, hint } = supervisorGoneError(runId, taskId);
  return `${message}; ${hint ?? ''}`;
}

/**
 * A line saying the task's supervisor is gone while the task has not ended, or null. A
 * supervisor killed with -9 closes its socket while it exits, a moment before /proc shows
 * it dead: an unended task is looked at a second time, SUPERVISOR_EXIT_MS later.
 */
async function supervisorGone(ctx: McpContext, taskId: string): Promise<string | null> {
  const store = openExistingStore(ctx.root, { reading: true });
  try {
    for (let look = 1; ; look += 1) {
      const fate = fateOf(ctx, store, taskId);
      if (fate && 'orphanedIn' in fate) return `[${orphanedLine(taskId, fate.orphanedIn)}]`;
      if (fate || look === 2) return null;
      await new Promise((resolve) => setTimeout(resolve, SUPERVISOR_EXIT_MS));
    }
  } finally {
    store?.close();
  }
}

/**
 * Watches, while the Codex TUI shows a task, whether the task ended (or its supervisor died):
 * the TUI itself does not end then, it waits to reconnect to an app-server that is gone.
 * Once it has, `over` is aborted and `end()` says why.
 */
function watchTaskEnd(ctx: McpContext, taskId: string, over: AbortController): { stop: () => void; end: () => { text: string; code: number } | null } {
  let end: { text: string; code: number } | null = null;
  const store = openExistingStore(ctx.root, { reading: true });
  const check = (): void => {
    const fate = fateOf(ctx, store, taskId);
    if (!fate) return;
    end = 'ended' in fate ? { text: `${taskId} ended: ${fate.ended.status}${fate.ended.reason ? ` (${printable(fate.ended.reason)})` : ''}`, code: 0 } : { text: orphanedLine(taskId, fate.orphanedIn), code: 4 };
    over.abort();
  };
  const timer = setInterval(check, TASK_WATCH_MS);
  return {
    stop: () => {
      clearInterval(timer);
      store?.close();
    },
    end: () => end,
  };
}

function confirm(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    process.stdout.write(question);
    process.stdin.setEncoding('utf8');
    process.stdin.once('data', (answer: string) => {
      process.stdin.pause();
      resolve(/^\s*y(es)?\s*$/i.test(answer));
    });
    process.stdin.resume();
  });
}

function logTail(file: string): string {
  const text = stripAnsi(readFileTail(file, 64 * 1024).toString('utf8')).trimEnd();
  return text.split('\n').slice(-TAIL_LINES).join('\n') || '(no output)';
}
