import { chmodSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { StateRootError } from '../domain/errors.js';
import { MAX_SOCKET_PATH_BYTES, socketPathFits } from '../store/control-socket.js';
import { encodeFrame, FRAME, FrameDecoder, MAX_INPUT_FRAME_BYTES, type Frame, type FrameType } from './attach-frames.js';
import { controlRequestSchema, isStreamRequest, MAX_CONTROL_LINE_BYTES, refuse, type ControlReply, type ControlRequest } from './control-protocol.js';

/**
 * One client connection, for requests that turn it into a stream (attach): after the reply
 * line, frames each way (attach-frames.ts), never raw text.
 */
export interface ControlConnection {
  /** The reply line; a handler that answers on the connection itself sends it before any frame. */
  reply(reply: ControlReply): void;
  /** One frame to the client; `flushed` runs once the kernel has taken it. */
  send(type: FrameType, payload: Buffer | string, flushed?: () => void): void;
  /** Bytes this process holds for the client that the kernel has not taken yet. */
  readonly queuedBytes: number;
  /** Frames from the client; those that came before a listener wait for it. */
  onFrame(listener: (frame: Frame) => void): void;
  /** Stops reading from the client until resumeInput (back-pressure on its input). */
  pauseInput(): void;
  resumeInput(): void;
  onClose(listener: () => void): void;
  /** Ends the connection from the server side (the attached task ended). */
  end(): void;
}

/** Returns the reply, or null when the handler answered on the connection itself. */
export type ControlHandler = (request: ControlRequest, connection: ControlConnection) => Promise<ControlReply | null> | ControlReply | null;

/** How long a closing server lets its connections take what is queued for them before it cuts them. */
const CLOSE_GRACE_MS = 1_000;

/**
 * The supervisor's socket. Malformed input gets an error reply, never an exception that
 * could take the supervisor (and every task it holds) down.
 */
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
    socket.on('error', () => undefined);
    let buffer: Buffer = Buffer.alloc(0);
    // Set once a streaming request was read: from then on the client sends frames, not lines.
    let frames: FrameDecoder | null = null;
    const frameListeners: ((frame: Frame) => void)[] = [];
    const early: Frame[] = [];
    const connection: ControlConnection = {
      reply: (reply) => this.reply(socket, reply),
      send: (type, payload, flushed) => {
        if (socket.destroyed) return;
        socket.write(encodeFrame(type, payload), flushed);
      },
      get queuedBytes() {
        return socket.writableLength;
      },
      onFrame: (listener) => {
        frameListeners.push(listener);
        for (const frame of early.splice(0)) listener(frame);
      },
      pauseInput: () => socket.pause(),
      resumeInput: () => socket.resume(),
      onClose: (listener) => socket.on('close', listener),
      end: () => socket.end(),
    };
    const takeFrames = (data: Buffer): void => {
      let got: Frame[];
      try {
        got = (frames as FrameDecoder).push(data);
      } catch (error) {
        // A frame larger than any client sends: the stream cannot be followed any more.
        connection.send(FRAME.notice, JSON.stringify({ message: `bad frame from the client: ${(error as Error).message}` }));
        socket.end();
        return;
      }
      for (const frame of got) {
        if (frameListeners.length === 0) early.push(frame);
        for (const listener of frameListeners) listener(frame);
      }
    };
    const tooLong = (): void => {
      this.reply(socket, refuse('bad_request', 'request too long'));
      socket.end();
      socket.removeAllListeners('data');
      buffer = Buffer.alloc(0);
    };
    socket.on('data', (data: Buffer) => {
      if (frames) return takeFrames(data);
      buffer = buffer.length > 0 ? Buffer.concat([buffer, data]) : data;
      for (let nl = buffer.indexOf(0x0a); nl !== -1; nl = buffer.indexOf(0x0a)) {
        if (nl > MAX_CONTROL_LINE_BYTES) return tooLong();
        const line = buffer.subarray(0, nl).toString('utf8');
        buffer = buffer.subarray(nl + 1);
        const request = this.parse(socket, line);
        if (!request) continue;
        if (isStreamRequest(request)) {
          frames = new FrameDecoder(MAX_INPUT_FRAME_BYTES);
          void this.answer(socket, request, connection, true);
          const rest = buffer;
          buffer = Buffer.alloc(0);
          if (rest.length > 0) takeFrames(rest);
          return;
        }
        void this.answer(socket, request, connection, false);
      }
      // A line, not a read: many short requests in one read are fine.
      if (buffer.length > MAX_CONTROL_LINE_BYTES) tooLong();
    });
  }

  /** The request of one line, or null after replying why there is none. */
  private parse(socket: net.Socket, line: string): ControlRequest | null {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      this.reply(socket, refuse('bad_request', 'request is not JSON'));
      return null;
    }
    const parsed = controlRequestSchema().safeParse(data);
    if (!parsed.success) {
      this.reply(socket, refuse('bad_request', `bad request: ${parsed.error.issues[0]?.message ?? 'invalid'}`));
      return null;
    }
    return parsed.data;
  }

  /** A streaming request that gets a reply (a refusal) ends there: its client expects frames next. */
  private async answer(socket: net.Socket, request: ControlRequest, connection: ControlConnection, streaming: boolean): Promise<void> {
    let reply: ControlReply | null;
    try {
      reply = await this.handle(request, connection);
    } catch (error) {
      reply = refuse('internal', error instanceof Error ? error.message : String(error));
    }
    if (!reply) return;
    this.reply(socket, reply);
    if (streaming) socket.end();
  }

  private reply(socket: net.Socket, reply: ControlReply): void {
    if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
  }
}
