import net from 'node:net';
import type { ControlReply } from './control-protocol.js';

export interface AttachSession {
  reply: ControlReply;
  /** The screen and the live output, once the reply was read. */
  onOutput(listener: (chunk: Buffer) => void): void;
  onEnd(listener: () => void): void;
  input(data: Buffer): void;
  resize(cols: number, rows: number): void;
  close(): void;
}

/**
 * Opens a viewer connection to the supervisor: the first line is the reply; everything
 * after it is the task's terminal output. Null when no supervisor listens.
 */
export function openAttach(socketPath: string | null, task: string, cols?: number, rows?: number): Promise<AttachSession | null> {
  if (socketPath === null) return Promise.resolve(null);
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    let header = Buffer.alloc(0);
    let session: AttachSession | null = null;
    const outputs: ((chunk: Buffer) => void)[] = [];
    const ends: (() => void)[] = [];
    const early: Buffer[] = [];
    const send = (request: object): void => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(request)}\n`);
    };
    socket.on('connect', () => send({ op: 'attach', task, ...(cols && rows ? { cols, rows } : {}) }));
    socket.on('data', (data: Buffer) => {
      if (session) {
        if (outputs.length === 0) early.push(data);
        for (const listener of outputs) listener(data);
        return;
      }
      header = Buffer.concat([header, data]);
      const nl = header.indexOf(0x0a);
      if (nl === -1) return;
      let reply: ControlReply;
      try {
        reply = JSON.parse(header.subarray(0, nl).toString('utf8')) as ControlReply;
      } catch {
        reply = { ok: false, error: 'unreadable reply from the supervisor' };
      }
      const rest = header.subarray(nl + 1);
      if (rest.length > 0) early.push(rest);
      session = {
        reply,
        onOutput: (listener) => {
          outputs.push(listener);
          for (const chunk of early.splice(0)) listener(chunk);
        },
        onEnd: (listener) => ends.push(listener),
        input: (data) => send({ op: 'input', data: data.toString('base64') }),
        resize: (c, r) => send({ op: 'resize', cols: c, rows: r }),
        close: () => socket.end(),
      };
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
