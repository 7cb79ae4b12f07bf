import net from 'node:net';
import { encodeFrame, FRAME, FrameDecoder, MAX_INPUT_FRAME_BYTES, MAX_VIEWER_FRAME_BYTES, noticeSchema, type Frame } from './attach-frames.js';
import { parseReply, type ControlReply } from './control-protocol.js';

export interface AttachSession {
  reply: ControlReply;
  /** Terminal output; `screen` is a whole screen, to draw on a cleared terminal. */
  onOutput(listener: (chunk: Buffer, screen: boolean) => void): void;
  /** A message for the user from the supervisor (or about the stream): never terminal output. */
  onNotice(listener: (message: string) => void): void;
  onEnd(listener: () => void): void;
  /** Any size: sent in frames of at most MAX_INPUT_FRAME_BYTES. */
  input(data: Buffer): void;
  resize(cols: number, rows: number): void;
  /** Stops reading output until resume(): a terminal slower than the task holds the stream back. */
  pause(): void;
  resume(): void;
  close(): void;
}

type Event = { kind: 'output'; chunk: Buffer; screen: boolean } | { kind: 'notice'; message: string };

/**
 * Opens a viewer connection to the supervisor: the first line is the reply; everything after
 * it is frames (attach-frames.ts). Null when no supervisor listens.
 */
export function openAttach(socketPath: string | null, task: string, cols?: number, rows?: number, by?: { user: string; uid: number | null; pid: number | null }): Promise<AttachSession | null> {
  if (socketPath === null) return Promise.resolve(null);
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    let header: Buffer = Buffer.alloc(0);
    let session: AttachSession | null = null;
    const decoder = new FrameDecoder(MAX_VIEWER_FRAME_BYTES);
    const outputs: ((chunk: Buffer, screen: boolean) => void)[] = [];
    const notices: ((message: string) => void)[] = [];
    const ends: (() => void)[] = [];
    // Events that came before their listener: the screen often arrives with the reply.
    const early: Event[] = [];
    const emit = (event: Event): void => {
      const listeners = event.kind === 'output' ? outputs : notices;
      if (listeners.length === 0) early.push(event);
      else if (event.kind === 'output') for (const listener of outputs) listener(event.chunk, event.screen);
      else for (const listener of notices) listener(event.message);
    };
    const replay = (kind: Event['kind']): void => {
      const keep = early.filter((e) => e.kind !== kind);
      const now = early.filter((e) => e.kind === kind);
      early.splice(0, early.length, ...keep);
      for (const event of now) emit(event);
    };
    const takeFrames = (data: Buffer): void => {
      let frames: Frame[];
      try {
        frames = decoder.push(data);
      } catch (error) {
        emit({ kind: 'notice', message: `unreadable stream from the supervisor (${(error as Error).message}); detaching` });
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (frame.type === FRAME.output || frame.type === FRAME.screen) emit({ kind: 'output', chunk: frame.payload, screen: frame.type === FRAME.screen });
        else if (frame.type === FRAME.notice) emit({ kind: 'notice', message: noticeText(frame.payload) });
        else emit({ kind: 'notice', message: `unexpected frame of type ${frame.type} from the supervisor, ignored` });
      }
    };
    const send = (type: typeof FRAME.input | typeof FRAME.resize, payload: Buffer | string): void => {
      if (!socket.destroyed) socket.write(encodeFrame(type, payload));
    };
    socket.on('connect', () => socket.write(`${JSON.stringify({ op: 'attach', task, ...(cols && rows ? { cols, rows } : {}), ...(by ? { by } : {}) })}\n`));
    socket.on('data', (data: Buffer) => {
      if (session) return takeFrames(data);
      header = Buffer.concat([header, data]);
      const nl = header.indexOf(0x0a);
      if (nl === -1) return;
      const reply: ControlReply = parseReply(header.subarray(0, nl).toString('utf8'));
      const rest = header.subarray(nl + 1);
      session = {
        reply,
        onOutput: (listener) => {
          outputs.push(listener);
          replay('output');
        },
        onNotice: (listener) => {
          notices.push(listener);
          replay('notice');
        },
        onEnd: (listener) => ends.push(listener),
        input: (bytes) => {
          for (let at = 0; at < bytes.length; at += MAX_INPUT_FRAME_BYTES) send(FRAME.input, bytes.subarray(at, at + MAX_INPUT_FRAME_BYTES));
        },
        resize: (c, r) => send(FRAME.resize, JSON.stringify({ cols: c, rows: r })),
        pause: () => socket.pause(),
        resume: () => socket.resume(),
        close: () => socket.end(),
      };
      if (rest.length > 0 && reply.ok) takeFrames(rest);
      resolve(session);
    });
    socket.on('error', () => {
      if (!session) resolve(null);
    });
    socket.on('close', () => {
      if (!session) resolve(null);
      for (const listener of ends) listener();
    });
  });
}

function noticeText(payload: Buffer): string {
  try {
    const parsed = noticeSchema.safeParse(JSON.parse(payload.toString('utf8')));
    if (parsed.success) return parsed.data.message;
  } catch {
    /* not JSON */
  }
  return 'unreadable notice from the supervisor';
}
