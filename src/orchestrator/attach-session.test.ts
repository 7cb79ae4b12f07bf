import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Viewer } from '../terminal/pty-process.js';
import type { ScreenSnapshot } from '../terminal/screen-replay.js';
import { openAttach, type AttachSession } from './attach-client.js';
import { encodeFrame, FRAME } from './attach-frames.js';
import { serveAttach, VIEWER_HIGH_WATERMARK_BYTES, type AttachableTerminal } from './attach-session.js';
import { ControlServer, type ControlConnection } from './control-server.js';

/** A terminal that records what reaches it and emits output when told. */
class FakeTerminal implements AttachableTerminal {
  readonly viewers = new Set<Viewer>();
  readonly written: Buffer[] = [];
  readonly sizes: string[] = [];
  position = 0;
  pendingInput = 0;
  private end: () => void = () => undefined;
  readonly exited = new Promise<void>((resolve) => (this.end = resolve));
  /** What the screen shows; `screen()` answers once `release` is called. */
  screenText = 'SCREEN';
  private releaseScreen: (() => void) | null = null;
  holdScreen = false;

  watch(viewer: Viewer): void {
    this.viewers.add(viewer);
  }
  unwatch(viewer: Viewer): void {
    this.viewers.delete(viewer);
  }
  screen(): Promise<ScreenSnapshot> {
    const position = this.position;
    const snapshot = { screen: this.screenText, position };
    if (!this.holdScreen) return Promise.resolve(snapshot);
    return new Promise((resolve) => (this.releaseScreen = () => resolve(snapshot)));
  }
  release(): void {
    this.releaseScreen?.();
  }
  write(data: Buffer): void {
    this.written.push(Buffer.from(data));
  }
  resize(cols: number, rows: number): void {
    this.sizes.push(`${cols}x${rows}`);
  }
  output(text: string): void {
    const chunk = Buffer.from(text);
    this.position += chunk.length;
    for (const viewer of this.viewers) viewer(chunk, this.position);
  }
  exit(): void {
    this.end();
  }
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-attach-'));
const socketPath = path.join(tmp, 's.sock');
let terminal = new FakeTerminal();
let lastConnection: ControlConnection | null = null;
const server = new ControlServer(socketPath, (request, connection) => {
  if (request.op !== 'attach') return { ok: false, error: 'attach only', code: 'bad_request' };
  if (request.task !== 'live') return { ok: false, error: `task ${request.task} has no running process here`, code: 'not_running' };
  lastConnection = connection;
  connection.reply({ ok: true, task: request.task });
  serveAttach(connection, terminal);
  return null;
});

before(() => server.listen());
after(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function attached(): Promise<{ session: AttachSession; seen: () => string; notices: string[] }> {
  const session = await openAttach(socketPath, 'live');
  assert.ok(session?.reply.ok, 'attached');
  let seen = '';
  const notices: string[] = [];
  session.onOutput((chunk, screen) => (seen += screen ? `[screen:${chunk.toString()}]` : chunk.toString()));
  session.onNotice((message) => notices.push(message));
  return { session, seen: () => seen, notices };
}

async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('attach: a UTF-8 character split across two reads of stdin reaches the PTY whole', async () => {
  terminal = new FakeTerminal();
  const { session } = await attached();
  const euro = Buffer.from('€'); // e2 82 ac
  session.input(euro.subarray(0, 2));
  await until('the first half', () => terminal.written.length === 1);
  session.input(euro.subarray(2));
  await until('the second half', () => terminal.written.length === 2);
  assert.deepEqual(Buffer.concat(terminal.written), euro);
  session.close();
});

test('attach: input of any size arrives whole and in order', async () => {
  terminal = new FakeTerminal();
  const { session } = await attached();
  const paste = Buffer.from('0123456789abcdef€'.repeat(20_000)); // 380 KB, several frames
  session.input(paste);
  await until('the whole paste', () => Buffer.concat(terminal.written).length >= paste.length);
  assert.ok(Buffer.concat(terminal.written).equals(paste));
  session.resize(91, 27);
  await until('the resize', () => terminal.sizes.includes('91x27'));
  session.close();
});

test('attach: input the task does not read yet is held back at the socket, then delivered', async () => {
  terminal = new FakeTerminal();
  const { session } = await attached();
  terminal.pendingInput = 2 * 1024 * 1024;
  session.input(Buffer.from('a'));
  await until('the first input', () => terminal.written.length === 1);
  session.input(Buffer.from('b'));
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(terminal.written.length, 1, 'not read while the PTY holds too much');
  terminal.pendingInput = 0;
  await until('the held input', () => terminal.written.length === 2);
  assert.equal(Buffer.concat(terminal.written).toString(), 'ab');
  session.close();
});

test('attach: the screen first, then output after what it shows, nothing twice; the end of the task ends the session', async () => {
  terminal = new FakeTerminal();
  terminal.output('before ');
  terminal.holdScreen = true;
  terminal.screenText = 'before ';
  const { session, seen } = await attached();
  // Output while the screen is rendered: after it, once.
  terminal.output('during ');
  terminal.release();
  await until('the screen', () => seen().includes('[screen:'));
  terminal.output('after');
  await until('live output', () => seen().endsWith('after'));
  assert.equal(seen(), '[screen:before ]during after');
  const ended = new Promise<void>((resolve) => session.onEnd(resolve));
  terminal.exit();
  await ended;
  await until('the viewer to be removed', () => terminal.viewers.size === 0);
});

test('attach: protocol messages reach the client as notices, never as output', async () => {
  terminal = new FakeTerminal();
  const { session, seen, notices } = await attached();
  session.input(Buffer.from('x'));
  await until('the input', () => terminal.written.length === 1);
  // A client that sends a frame the supervisor does not know gets a notice back.
  const socket = net.connect(socketPath);
  const replies: Buffer[] = [];
  socket.on('data', (d: Buffer) => replies.push(d));
  await new Promise<void>((resolve) => socket.on('connect', resolve));
  socket.write(`${JSON.stringify({ op: 'attach', task: 'live' })}\n`);
  socket.write(encodeFrame(FRAME.output, 'a viewer may not send output'));
  await until('a notice frame', () => Buffer.concat(replies).includes('unknown type'));
  socket.destroy();
  // A message from the supervisor to this client is a notice, not terminal output.
  session.resize(0, 0);
  await until('the notice', () => notices.length === 1);
  assert.deepEqual(notices, ['bad resize frame ignored']);
  assert.equal(seen(), '[screen:SCREEN]');
  session.close();
});

test('attach: a task that is not running gets one reply line, then the connection ends', async () => {
  const session = await openAttach(socketPath, 'gone');
  assert.equal(session?.reply.ok, false);
  await new Promise<void>((resolve) => session?.onEnd(resolve));
});

test('attach: a viewer that stops reading costs a bounded queue, then gets the current screen and live output', async () => {
  terminal = new FakeTerminal();
  const { session, seen } = await attached();
  await until('the first screen', () => seen() === '[screen:SCREEN]');
  const connection = lastConnection as unknown as ControlConnection;
  session.pause();
  // 32 MB of output while the viewer reads nothing: its queue stays near the high watermark.
  const line = `${'x'.repeat(1023)}\n`;
  let maxQueued = 0;
  for (let i = 0; i < 32 * 1024; i += 1) {
    terminal.output(line);
    maxQueued = Math.max(maxQueued, connection.queuedBytes);
    if (i % 1024 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(maxQueued <= VIEWER_HIGH_WATERMARK_BYTES + 64 * 1024, `queued at most ${maxQueued} bytes`);
  // Reading again: the backlog, then a fresh screen, then live output after it.
  terminal.screenText = 'NOW';
  session.resume();
  await until('a fresh screen', () => seen().includes('[screen:NOW]'));
  terminal.output('live again');
  await until('live output after the screen', () => seen().endsWith('[screen:NOW]live again'));
  assert.ok(seen().length < 8 * 1024 * 1024, `the viewer got ${seen().length} bytes of the 32 MB`);
  session.close();
});
