import { McpError } from '../../domain/errors.js';

/**
 * How a conversation with `codex app-server` can fail. Each is a task failure (exit code 1
 * when it reaches the CLI), never a hang.
 */

/** The socket never answered a WebSocket handshake in time (or the wait was aborted). */
export class AppServerConnectError extends McpError {
  readonly exitCode = 1;
  constructor(
    readonly socketPath: string,
    message: string,
    readonly lastError?: unknown,
  ) {
    super(message, 'check that `codex app-server --listen unix://PATH` started (its stderr says why it did not)');
  }
}

/** Codex answered a request with a JSON-RPC error. */
export class AppServerRequestError extends McpError {
  readonly exitCode = 1;
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
    readonly data?: unknown,
  ) {
    super(`codex app-server refused ${method}: ${rpcMessage} (code ${code})`);
  }
}

/** The connection ended (the app-server exited or was killed) before the answer came. */
export class AppServerClosedError extends McpError {
  readonly exitCode = 1;
  constructor(
    readonly method: string | null,
    readonly detail: string,
  ) {
    super(method === null ? `codex app-server connection closed: ${detail}` : `codex app-server connection closed before it answered ${method}: ${detail}`);
  }
}

/** No answer within the request's deadline while the connection stayed open. */
export class AppServerTimeoutError extends McpError {
  readonly exitCode = 1;
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`codex app-server did not answer ${method} within ${timeoutMs} ms`);
  }
}
