import { realpathSync } from 'node:fs';
import net from 'node:net';
import type WebSocket from 'ws';
import { AppServerClosedError, AppServerConnectError, AppServerRequestError, AppServerTimeoutError } from './errors.js';
import { parseIncoming, RPC_INTERNAL_ERROR } from './jsonrpc.js';
import type {
  ClientMethod,
  ClientParams,
  ClientResults,
  NotificationMethod,
  NotificationParams,
  RequestId,
  ServerNotification,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResults,
} from './methods.js';
import type { ClientInfo } from './protocol/ClientInfo.js';
import type { InitializeCapabilities } from './protocol/InitializeCapabilities.js';
import type { InitializeResponse } from './protocol/InitializeResponse.js';

/**
 * A JSON-RPC client of `codex app-server --listen unix://PATH` (codex 0.169.0), which speaks
 * WebSocket framing on its unix socket. The app-server runs as its own process (in a PTY,
 * started by the terminal layer); this client only talks to it, and may be one of several.
 */

/**
 * How long `connect` waits for the socket to answer. Seen on a loaded 2-core machine: about
 * 0.9 s from spawn to the first answer; the margin covers a cold start on a slow disk (the
 * app-server opens several SQLite files in CODEX_HOME before it listens).
 */
export const CONNECT_TIMEOUT_MS = 20_000;
/** Pause between two connection attempts while the socket does not exist or refuses. */
const CONNECT_RETRY_MS = 25;
/** One WebSocket handshake; a socket that accepts but never upgrades is retried after this. */
const HANDSHAKE_TIMEOUT_MS = 2_000;
/**
 * Deadline of one client request. Every request mcp sends is answered at once by Codex (a
 * turn's work streams as notifications after `turn/start` returns); only `thread/resume` of a
 * long thread reads a file first. A frozen app-server must not freeze the task forever.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Linux's `sun_path` holds 108 bytes with the final NUL. Seen with 0.169.0: `--listen
 * unix://PATH` makes PATH a symlink to a socket in /tmp/codex-daemon-<uid>/, so a PATH too
 * long for connect(2) still works once resolved.
 */
const MAX_SOCKET_PATH_BYTES = 107;

/** Errors of a socket that is not there yet, or not listening yet. */
const TRANSIENT_CONNECT_ERRORS = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN']);

export interface ConnectOptions {
  socketPath: string;
  /** Who is calling; Codex records `name` as the thread's originator. */
  clientInfo: ClientInfo;
  capabilities?: InitializeCapabilities | null;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Stops the wait for the socket (e.g. the app-server process exited). */
  signal?: AbortSignal;
}

export interface CloseInfo {
  /** WebSocket close code (1006 when the process died without a close frame). */
  code: number;
  reason: string;
  /** True when this side called `close()`. */
  byClient: boolean;
}

/** Where a server request stands: answered by us, resolved elsewhere, or dropped with the connection. */
export type ServerRequestState = 'pending' | 'answered' | 'resolved' | 'closed';

interface ServerRequestHandleOf<M extends ServerRequestMethod> {
  readonly method: M;
  readonly id: RequestId;
  readonly params: ServerRequestParams<M>;
  readonly receivedAt: Date;
  state(): ServerRequestState;
  /** Settles when the request stops pending, with the way it did. */
  readonly settled: Promise<Exclude<ServerRequestState, 'pending'>>;
  /** Sends the answer; false when it is too late (resolved elsewhere, or connection closed). */
  respond(result: ServerRequestResults[M]): boolean;
  /** Answers with a JSON-RPC error instead of a result. */
  fail(message: string, code?: number): boolean;
}

/** A request Codex sent to the client; narrow on `method` to get typed params and answer. */
export type ServerRequestHandle = { [M in ServerRequestMethod]: ServerRequestHandleOf<M> }[ServerRequestMethod];

interface PendingRequest {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

function requestKey(id: RequestId): string {
  return `${typeof id}:${String(id)}`;
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * ws is loaded with the first prompt task, not with mcp: it brings Node's http, https, tls
 * and zlib along, about 40 ms of every start, and a run of command tasks never needs it.
 */
let webSocketClass: Promise<typeof WebSocket> | undefined;

async function openSocket(socketPath: string): Promise<WebSocket> {
  webSocketClass ??= import('ws').then((module) => module.default);
  const WebSocketClass = await webSocketClass;
  return new Promise((resolve, reject) => {
    let target = socketPath;
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
      try {
        target = realpathSync(socketPath);
      } catch (error) {
        reject(error as Error);
        return;
      }
    }
    // `ws+unix://` URLs percent-encode the path, which breaks socket paths with spaces or
    // non-ASCII characters; handing ws the connection keeps the path as it is.
    const ws = new WebSocketClass('ws://localhost/', { createConnection: () => net.connect(target), handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    const onError = (error: Error): void => {
      ws.off('open', onOpen);
      ws.terminate();
      reject(error);
    };
    const onOpen = (): void => {
      ws.off('error', onError);
      resolve(ws);
    };
    ws.once('error', onError);
    ws.once('open', onOpen);
  });
}

/** Retries until the socket exists and completes a WebSocket handshake, within the deadline. */
async function waitForSocket(socketPath: string, timeoutMs: number, signal?: AbortSignal): Promise<WebSocket> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (signal?.aborted) throw new AppServerConnectError(socketPath, `stopped waiting for codex app-server at ${socketPath}`, signal.reason);
    try {
      return await openSocket(socketPath);
    } catch (error) {
      lastError = error;
      const code = (error as NodeJS.ErrnoException).code;
      const transient = (code !== undefined && TRANSIENT_CONNECT_ERRORS.has(code)) || /handshake has timed out/i.test((error as Error).message);
      if (!transient) {
        throw new AppServerConnectError(socketPath, `cannot connect to codex app-server at ${socketPath}: ${(error as Error).message}`, error);
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new AppServerConnectError(socketPath, `codex app-server did not answer at ${socketPath} within ${timeoutMs} ms (${(lastError as Error).message})`, lastError);
    }
    await delay(Math.min(CONNECT_RETRY_MS, left), signal);
  }
}

export class AppServerClient {
  private readonly pending = new Map<string, PendingRequest>();
  private readonly serverRequests = new Map<string, { handle: ServerRequestHandle; settle(state: Exclude<ServerRequestState, 'pending'>): void }>();
  private readonly notificationListeners = new Set<(notification: ServerNotification) => void>();
  private readonly closeListeners = new Set<(info: CloseInfo) => void>();
  private readonly undelivered: ServerRequestHandle[] = [];
  private serverRequestHandler: ((request: ServerRequestHandle) => void) | null = null;
  private nextId = 1;
  private closeInfo: CloseInfo | null = null;
  private closingByClient = false;
  private resolveClosed!: (info: CloseInfo) => void;
  /** Resolves once, when the connection is gone (either side). */
  readonly closed: Promise<CloseInfo> = new Promise((resolve) => (this.resolveClosed = resolve));
  /** Set by `connect` once the handshake is done. */
  initializeResponse!: InitializeResponse;

  private constructor(
    private readonly ws: WebSocket,
    private readonly requestTimeoutMs: number,
  ) {
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) this.receive(data.toString());
    });
    ws.on('close', (code: number, reason: Buffer) => this.onClosed(code, reason.toString()));
    // 'close' always follows 'error'; the error itself only explains it.
    ws.on('error', () => undefined);
  }

  /**
   * Waits for the app-server's socket, then does the `initialize` / `initialized` handshake
   * that Codex requires before any other request on a connection.
   */
  static async connect(options: ConnectOptions): Promise<AppServerClient> {
    const ws = await waitForSocket(options.socketPath, options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, options.signal);
    const client = new AppServerClient(ws, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    try {
      client.initializeResponse = await client.request('initialize', { clientInfo: options.clientInfo, capabilities: options.capabilities ?? null });
      client.send({ method: 'initialized' });
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  get isOpen(): boolean {
    return this.closeInfo === null && this.ws.readyState === this.ws.OPEN;
  }

  /**
   * Sends a request and resolves with its result; rejects with a typed error, never hangs:
   * `AppServerRequestError` (Codex refused), `AppServerClosedError` (the connection ended
   * first), `AppServerTimeoutError` (no answer by `timeoutMs`; 0 waits without a deadline).
   */
  request<M extends ClientMethod>(method: M, params: ClientParams<M>, options: { timeoutMs?: number } = {}): Promise<ClientResults[M]> {
    return new Promise<ClientResults[M]>((resolve, reject) => {
      if (!this.isOpen) {
        reject(new AppServerClosedError(method, this.closeDetail()));
        return;
      }
      const id = this.nextId++;
      const key = requestKey(id);
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      const timer = timeoutMs > 0 ? setTimeout(() => {
        this.pending.delete(key);
        reject(new AppServerTimeoutError(method, timeoutMs));
      }, timeoutMs) : undefined;
      this.pending.set(key, { method, resolve: resolve as (result: unknown) => void, reject, timer });
      this.send({ id, method, params });
    });
  }

  /** Every notification, in arrival order. Returns the unsubscribe function. */
  onNotification(listener: (notification: ServerNotification) => void): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  /** Notifications of one method, with typed params. Returns the unsubscribe function. */
  on<M extends NotificationMethod>(method: M, listener: (params: NotificationParams<M>) => void): () => void {
    return this.onNotification((notification) => {
      if (notification.method === method) listener(notification.params as NotificationParams<M>);
    });
  }

  /**
   * The one handler of requests Codex sends (approvals, user input, ...). It may answer at
   * any later time through the handle. Requests that came before a handler was set are
   * delivered to it at once, in order.
   */
  onServerRequest(handler: (request: ServerRequestHandle) => void): void {
    this.serverRequestHandler = handler;
    for (const handle of this.undelivered.splice(0)) this.deliver(handle);
  }

  /** Server requests still waiting for an answer. */
  pendingServerRequests(): ServerRequestHandle[] {
    return [...this.serverRequests.values()].map((entry) => entry.handle).filter((handle) => handle.state() === 'pending');
  }

  onClose(listener: (info: CloseInfo) => void): () => void {
    if (this.closeInfo) {
      listener(this.closeInfo);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Closes this connection; the app-server and its threads keep running. */
  async close(): Promise<void> {
    if (this.closeInfo) return;
    this.closingByClient = true;
    if (this.ws.readyState === this.ws.CONNECTING || this.ws.readyState === this.ws.OPEN) this.ws.close(1000, 'client closed');
    // A peer that never answers the close frame is cut after a moment.
    const cut = setTimeout(() => this.ws.terminate(), 1_000);
    await this.closed;
    clearTimeout(cut);
  }

  private send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message), (error) => {
      if (!error) return;
      const id = message.id;
      if (id === undefined || message.method === undefined) return;
      const key = requestKey(id as RequestId);
      const pending = this.pending.get(key);
      if (!pending) return;
      this.pending.delete(key);
      clearTimeout(pending.timer);
      pending.reject(new AppServerClosedError(pending.method, error.message));
    });
  }

  private receive(text: string): void {
    const message = parseIncoming(text);
    if (message === null) return;
    switch (message.kind) {
      case 'response':
      case 'error': {
        const key = requestKey(message.id);
        const pending = this.pending.get(key);
        if (!pending) return;
        this.pending.delete(key);
        clearTimeout(pending.timer);
        if (message.kind === 'response') pending.resolve(message.result);
        else pending.reject(new AppServerRequestError(pending.method, message.error.code, message.error.message, message.error.data));
        return;
      }
      case 'notification': {
        const notification = { method: message.method, params: message.params } as ServerNotification;
        if (notification.method === 'serverRequest/resolved') this.resolvedElsewhere(notification.params.requestId);
        for (const listener of [...this.notificationListeners]) this.safely(() => listener(notification));
        return;
      }
      case 'request': {
        const handle = this.makeHandle(message.id, message.method as ServerRequestMethod, message.params);
        if (this.serverRequestHandler) this.deliver(handle);
        else this.undelivered.push(handle);
        return;
      }
    }
  }

  private deliver(handle: ServerRequestHandle): void {
    const handler = this.serverRequestHandler;
    if (handler) this.safely(() => handler(handle));
  }

  /** A listener's bug surfaces as an uncaught error, without stopping delivery to the others. */
  private safely(call: () => void): void {
    try {
      call();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  private makeHandle(id: RequestId, method: ServerRequestMethod, params: unknown): ServerRequestHandle {
    const key = requestKey(id);
    let state: ServerRequestState = 'pending';
    let settle!: (state: Exclude<ServerRequestState, 'pending'>) => void;
    const settled = new Promise<Exclude<ServerRequestState, 'pending'>>((resolve) => (settle = resolve));
    const finish = (next: Exclude<ServerRequestState, 'pending'>): void => {
      if (state !== 'pending') return;
      state = next;
      this.serverRequests.delete(key);
      settle(next);
    };
    const answer = (body: Record<string, unknown>): boolean => {
      if (state !== 'pending' || !this.isOpen) return false;
      this.send({ id, ...body });
      finish('answered');
      return true;
    };
    const handle = {
      method,
      id,
      params,
      receivedAt: new Date(),
      state: () => state,
      settled,
      respond: (result: unknown) => answer({ result }),
      fail: (message: string, code = RPC_INTERNAL_ERROR) => answer({ error: { code, message } }),
    } as unknown as ServerRequestHandle;
    this.serverRequests.set(key, { handle, settle: finish });
    return handle;
  }

  /** `serverRequest/resolved` for a request we did not answer: another client (the TUI) or the turn's end did. */
  private resolvedElsewhere(id: RequestId): void {
    this.serverRequests.get(requestKey(id))?.settle('resolved');
  }

  private closeDetail(): string {
    if (!this.closeInfo) return 'the connection is not open';
    return this.closeInfo.byClient ? 'closed by mcp' : `the app-server went away (close code ${this.closeInfo.code}${this.closeInfo.reason ? `: ${this.closeInfo.reason}` : ''})`;
  }

  private onClosed(code: number, reason: string): void {
    if (this.closeInfo) return;
    this.closeInfo = { code, reason, byClient: this.closingByClient };
    const detail = this.closeDetail();
    for (const [key, pending] of this.pending) {
      this.pending.delete(key);
      clearTimeout(pending.timer);
      pending.reject(new AppServerClosedError(pending.method, detail));
    }
    for (const entry of [...this.serverRequests.values()]) entry.settle('closed');
    this.undelivered.length = 0;
    for (const listener of [...this.closeListeners]) this.safely(() => listener(this.closeInfo as CloseInfo));
    this.closeListeners.clear();
    this.resolveClosed(this.closeInfo);
  }
}
