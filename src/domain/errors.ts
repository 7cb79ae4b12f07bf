/**
 * Every error a user can meet carries its exit code and a hint; the CLI maps them to
 * one line on stderr in one place (`cli/report-error.ts`).
 */
const MCP_ERROR = Symbol.for('mcp.error');

export abstract class McpError extends Error {
  abstract readonly exitCode: number;
  /** See isMcpError. */
  readonly [MCP_ERROR] = true;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Whether `error` is one of mcp's own. Each command is bundled apart from the CLI's entry
 * (scripts/build-cli.mjs), so an error a command throws is an instance of that bundle's copy
 * of McpError, not of the entry's: the entry recognises it by this mark, not `instanceof`.
 */
export function isMcpError(error: unknown): error is McpError {
  return typeof error === 'object' && error !== null && (error as { [MCP_ERROR]?: unknown })[MCP_ERROR] === true;
}

/** Bad flags, arguments or files given by the user. */
export class UsageError extends McpError {
  readonly exitCode = 2;
}

/** A plan file or planner answer that cannot run: names the source and the field. */
export class PlanError extends McpError {
  readonly exitCode = 2;
}

/** `mcp.config.json` that does not validate. */
export class ConfigError extends McpError {
  readonly exitCode = 2;
}

/** The state root cannot be used (not a directory, read-only, full, corrupt store). */
export class StateRootError extends McpError {
  readonly exitCode = 2;
}

/** A run or task id that the store does not know. */
export class NotFoundError extends McpError {
  readonly exitCode = 3;
}

/**
 * The task is not in the state the command acts on: an approval answered already, a session
 * that waits for no message, a task that ended. Nothing was done, and nothing was wrong with
 * what was typed (that is a UsageError).
 */
export class TaskStateError extends McpError {
  readonly exitCode = 1;
}

/** A command that needs the supervisor found none alive. */
export class NoSupervisorError extends McpError {
  readonly exitCode = 4;
}

/** A spawn refused before it happened: argv[0] is neither codex nor on the allow-list. */
export class SpawnRefusedError extends McpError {
  readonly exitCode = 2;
}

/** A git command mcp runs for workspaces, merges or results failed: says which, and how it ended. */
export class GitError extends McpError {
  readonly exitCode = 1;
}

/** A task's workspace could not be made or used (a worktree, a dependency merge). */
export class WorkspaceError extends McpError {
  readonly exitCode = 1;
}

/**
 * mcp would touch a run still in use, or lose work that exists nowhere else (`mcp clean`).
 * `flag` names the option that overrides it, or null when none does (a running run).
 */
export class RefusedError extends McpError {
  readonly exitCode = 2;
  constructor(
    message: string,
    hint: string | undefined,
    readonly flag: string | null = null,
  ) {
    super(message, hint);
  }
}

/** A state change the state machine forbids: a bug in mcp, never the user's doing. */
export class IllegalTransitionError extends Error {}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The planner could not produce a valid plan (Codex failed, or answered twice with no valid plan). */
export class PlannerError extends McpError {
  readonly exitCode = 1;
}

/** Codex cannot make a model call here (no credentials for its provider, a broken config). */
export class CodexNotReadyError extends McpError {
  readonly exitCode = 2;
}

/** Planning ended because the user stopped it (mcp kill, Ctrl-C): the run is killed, not failed. */
export class PlanningStopped extends PlannerError {}

/** A full disk (or quota), as the filesystem and SQLite each say it. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT';
}
