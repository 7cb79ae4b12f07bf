import type { ClientParams } from './methods.js';
import type { UserInput } from './protocol/v2/UserInput.js';
import { taskRulesConfigArgs } from './task-rules.js';

/**
 * How mcp runs one prompt task on `codex app-server` (codex 0.169.0): the argv of the two
 * processes, and the params of the requests that start and continue its thread. What each
 * choice avoids is in docs/codex-app-server.md.
 */

/**
 * The app-server of one task, started in the task's workspace (its cwd is the thread's
 * working directory, see `taskThreadStartParams`). It needs nothing on stdin, writes nothing
 * on stdout, and a few log lines on stderr. It reads the task's sensitive-command rules
 * (task-rules.ts).
 */
export function codexAppServerArgs(socketPath: string, taskDir: string): string[] {
  return ['app-server', '--listen', `unix://${socketPath}`, ...taskRulesConfigArgs(taskDir)];
}

/**
 * The real Codex TUI on the task's running thread (`mcp attach`). Seen with 0.169.0: it
 * fails (exit 1, "no rollout found for thread id") until the thread's first turn started;
 * ending its process leaves the turn running, while Ctrl-C or Esc in it interrupts the turn.
 */
export function codexRemoteTuiArgs(socketPath: string, threadId: string): string[] {
  return ['resume', '--remote', `unix://${socketPath}`, threadId];
}

/**
 * Codex asks before escalations (`on-request`, overriding an `approval_policy = "never"` in
 * the user's config), and writes only in the workspace. No `cwd`: with one, and a writable
 * sandbox, `thread/start` records the directory as trusted in CODEX_HOME/config.toml, which
 * would leave one entry per task workspace in the user's config; the app-server's own cwd
 * (the workspace) is used instead, without that write.
 */
export function taskThreadStartParams(): ClientParams<'thread/start'> {
  return { approvalPolicy: 'on-request', sandbox: 'workspace-write' };
}

/**
 * Continues a task's thread on a fresh app-server (after a crash, or for a retry), or rejoins
 * it on a live one (a pending approval is then sent again to this client). Seen with 0.169.0:
 * a resumed thread keeps what `thread/start` set, not a later turn's override, so the task's
 * policy and sandbox are given again here; `thread/resume` writes no trust entry. It fails
 * ("no rollout found") for a thread whose first turn never started: start a new thread then.
 * `excludeTurns`: Codex deprecates loading the whole history here.
 */
export function taskThreadResumeParams(threadId: string): ClientParams<'thread/resume'> {
  return { threadId, approvalPolicy: 'on-request', sandbox: 'workspace-write', excludeTurns: true };
}

/** A prompt as turn input (`turn/start`, `turn/steer`). */
export function textInput(text: string): UserInput[] {
  return [{ type: 'text', text, text_elements: [] }];
}
