import { chmodSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { StateRootError } from '../domain/errors.js';
import { MAX_SOCKET_PATH_BYTES, socketPathFits } from '../store/control-socket.js';
import { controlRequestSchema, MAX_CONTROL_LINE_BYTES, type ControlReply, type ControlRequest } from './control-protocol.js';

/** One client connection, for requests that turn it into a stream (attach). */
export interface ControlConnection {
  /** Writes raw bytes or text to the client. */
  send(data: string | Buffer): void;
  onClose(listener: () => void): void;
  /** Ends the connection from the server side (the attached task ended). */
  end(): void;
}

/** Returns the reply, or null when the handler answered on the connection itself. */
export type ControlHandler = (request: ControlRequest, connection: ControlConnection) => Promise<ControlReply | null> | ControlReply | null;

/**
 * The supervisor's socket. Malformed input gets an error reply, never an exception that
 * could take the supervisor (and every task it holds) down.
 */
/** How long a closing server lets its connections take what is queued for them before it cuts them. */
const CLOSE_GRACE_MS = 1_000;

export class ControlServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly socketPath: string,
    private readonly handle: ControlHandler,
  ) {
    this.server = net.createServer((socket) => this.serve(socket));
    this.server.on('error', () => undefined);
  }

  /** Listens, or fails with nothing left listening: a server left open would keep mcp alive. */
  async listen(): Promise<void> {
    if (!socketPathFits(this.socketPath)) {
      throw new StateRootError(`socket path ${this.socketPath} is longer than ${MAX_SOCKET_PATH_BYTES} bytes`, 'a Unix socket path must be short; set TMPDIR to a short directory');
    }
    try {
      unlinkSync(this.socketPath); // a socket file left by a dead supervisor
    } catch {
      /* none there */
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => resolve());
    });
    try {
      chmodSync(this.socketPath, 0o600);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /**
   * Stops listening and ends every connection. The server only closes once its connections
   * have: a viewer that stopped reading would otherwise keep the supervisor alive forever.
   */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      try {
        unlinkSync(this.socketPath);
      } catch {
        /* already gone */
      }
      for (const socket of this.sockets) socket.end();
      setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
      }, CLOSE_GRACE_MS).unref();
    });
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    const connection: ControlConnection = {
      send: (data) => {
        if (!socket.destroyed) socket.write(data);
      },
      onClose: (listener) => socket.on('close', listener),
      end: () => socket.end(),
    };
    socket.on('data', (data: string) => {
      buffer += data;
      if (buffer.length > MAX_CONTROL_LINE_BYTES) {
        this.reply(socket, { ok: false, error: 'request too long' });
        socket.end();
        buffer = '';
        return;
      }
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        void this.answer(socket, line, connection);
      }
    });
  }

  private async answer(socket: net.Socket, line: string, connection: ControlConnection): Promise<void> {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      return this.reply(socket, { ok: false, error: 'request is not JSON' });
    }
    const parsed = controlRequestSchema.safeParse(data);
    if (!parsed.success) return this.reply(socket, { ok: false, error: `bad request: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
    try {
      const reply = await this.handle(parsed.data, connection);
      if (reply) this.reply(socket, reply);
    } catch (error) {
      this.reply(socket, { ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private reply(socket: net.Socket, reply: ControlReply): void {
    if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
  }
}
