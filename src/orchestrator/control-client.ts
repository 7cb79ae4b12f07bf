import net from 'node:net';
import os from 'node:os';
import { parseReply, type ControlReply, type ControlRequestInput } from './control-protocol.js';

/** A supervisor that does not answer within this is treated as absent. */
const CONTROL_TIMEOUT_MS = 5_000;

/** Sends one request; null when no supervisor listens on the socket (or none recorded one). */
export function sendControl(socketPath: string | null, request: ControlRequestInput, timeoutMs = CONTROL_TIMEOUT_MS): Promise<ControlReply | null> {
  if (socketPath === null) return Promise.resolve(null);
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    let buffer = '';
    let settled = false;
    const settle = (value: ControlReply | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => settle(null), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (data: string) => {
      buffer += data;
      const nl = buffer.indexOf('\n');
      if (nl === -1) return;
      settle(parseReply(buffer.slice(0, nl)));
    });
    socket.on('error', () => settle(null));
    socket.on('close', () => settle(null));
  });
}

/** Who runs this process, as recorded with the decisions a person makes (approve, send, done), from the CLI or the page. */
export function whoAmI(): { user: string; uid: number | null; pid: number } {
  return { user: os.userInfo().username, uid: process.getuid?.() ?? null, pid: process.pid };
}
