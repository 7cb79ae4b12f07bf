import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sendControl } from './control-client.js';
import type { ControlReply, ControlRequest } from './control-protocol.js';
import { ControlServer } from './control-server.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-ctl-'));
const socketPath = path.join(tmp, 'supervisor.sock');
const received: ControlRequest[] = [];

const server = new ControlServer(socketPath, async (request): Promise<ControlReply> => {
  received.push(request);
  if (request.op === 'ping') return { ok: true, pong: true, pid: process.pid };
  if (request.op === 'kill' && request.target === 'explode') throw new Error('handler blew up');
  if (request.op === 'kill') {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { ok: true, killed: [request.target] };
  }
  return { ok: false, code: 'not_found', error: request.op === 'submit' ? `unknown run ${request.runId}` : `unsupported ${request.op}` };
});

before(() => server.listen());
after(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface RawResult {
  lines: string[];
  closed: boolean;
}

/**
 * Writes raw bytes to the socket and collects reply lines until `wantLines` arrived, the
 * server closed the connection, or 2 s passed. `endAfterWrite` half-closes our side.
 */
function raw(data: string | Buffer, wantLines: number, endAfterWrite = false): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    let buffer = '';
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ lines: buffer.split('\n').filter((l) => l !== ''), closed });
    };
    const timer = setTimeout(() => finish(false), 2000);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      socket.write(data);
      if (endAfterWrite) socket.end();
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (!endAfterWrite && buffer.split('\n').length - 1 >= wantLines) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

async function assertPingAnswers(): Promise<void> {
  assert.deepEqual(await sendControl(socketPath, { op: 'ping' }, 2000), { ok: true, pong: true, pid: process.pid });
}

test('ControlServer: the socket file is mode 0600', () => {
  const stat = statSync(socketPath);
  assert.ok(stat.isSocket());
  assert.equal(stat.mode & 0o777, 0o600);
});

test('sendControl: ping, kill and submit reach the handler and its reply comes back', async () => {
  await assertPingAnswers();
  assert.deepEqual(await sendControl(socketPath, { op: 'kill', target: 'r1-build' }, 2000), { ok: true, killed: ['r1-build'] });
  assert.deepEqual(await sendControl(socketPath, { op: 'submit', runId: 'rzzz' }, 2000), { ok: false, code: 'not_found', error: 'unknown run rzzz' });
  assert.deepEqual(received.slice(-3), [{ op: 'ping' }, { op: 'kill', target: 'r1-build' }, { op: 'submit', runId: 'rzzz' }]);
});

test('ControlServer: a handler that throws gives an error reply', async () => {
  assert.deepEqual(await sendControl(socketPath, { op: 'kill', target: 'explode' }, 2000), { ok: false, error: 'handler blew up', code: 'internal' });
  await assertPingAnswers();
});

test('ControlServer: a line that is not JSON gets an error reply', async () => {
  const result = await raw('this is not json\n', 1);
  assert.deepEqual(
    result.lines.map((l) => JSON.parse(l) as unknown),
    [{ ok: false, error: 'request is not JSON', code: 'bad_request' }],
  );
  await assertPingAnswers();
});

test('ControlServer: JSON that fails the schema gets an error reply and never reaches the handler', async () => {
  const count = received.length;
  for (const bad of ['{"op":"nope"}', '{"op":"ping","extra":1}', '{"op":"kill"}', '{"op":"kill","target":""}', '[1,2]', 'null', '"ping"']) {
    const result = await raw(`${bad}\n`, 1);
    assert.equal(result.lines.length, 1, bad);
    const reply = JSON.parse(result.lines[0] ?? '') as { ok: boolean; error: string };
    assert.equal(reply.ok, false, bad);
    assert.match(reply.error, /^bad request: /, bad);
  }
  assert.equal(received.length, count);
  await assertPingAnswers();
});

test('ControlServer: several requests on one connection are each answered', async () => {
  // Replies come in completion order (a synchronous error overtakes an async handler), and
  // the protocol has no request ids: one request per connection is the only safe use.
  const result = await raw('{"op":"ping"}\nnot json\n{"op":"ping"}\n', 3);
  assert.deepEqual(result.lines.sort(), [
    JSON.stringify({ ok: false, error: 'request is not JSON', code: 'bad_request' }),
    JSON.stringify({ ok: true, pong: true, pid: process.pid }),
    JSON.stringify({ ok: true, pong: true, pid: process.pid }),
  ]);
});

test('ControlServer: a 100 KB line is refused and the connection closed', async () => {
  const count = received.length;
  const result = await raw(`${'x'.repeat(100 * 1024)}\n`, 2);
  assert.equal(result.closed, true);
  assert.deepEqual(
    result.lines.map((l) => JSON.parse(l) as unknown),
    [{ ok: false, error: 'request too long', code: 'bad_request' }],
  );
  assert.equal(received.length, count);
  await assertPingAnswers();
});

test('ControlServer: many short requests read at once are not one long request', async () => {
  // 210 KB of short lines: reads of 64 KB plus the part of a line left from the read
  // before are over the line limit; every line is well under it.
  const count = 15_000;
  const result = await raw('{"op":"ping"}\n'.repeat(count), count);
  assert.equal(result.lines.length, count);
  assert.ok(result.lines.every((l) => l === JSON.stringify({ ok: true, pong: true, pid: process.pid })));
});

test('ControlServer: a half line followed by close gets nothing and harms nothing', async () => {
  const count = received.length;
  const result = await raw('{"op":"pi', 1, true);
  assert.deepEqual(result.lines, []);
  assert.equal(result.closed, true);
  assert.equal(received.length, count);
  await assertPingAnswers();
});

test('ControlServer: invalid UTF-8 bytes get an error reply', async () => {
  const result = await raw(Buffer.from([0xff, 0xfe, 0x80, 0x0a]), 1);
  assert.deepEqual(
    result.lines.map((l) => JSON.parse(l) as unknown),
    [{ ok: false, error: 'request is not JSON', code: 'bad_request' }],
  );
  await assertPingAnswers();
});

test('sendControl: a missing socket gives null', async () => {
  assert.equal(await sendControl(path.join(tmp, 'nobody-here.sock'), { op: 'ping' }, 2000), null);
});

/** A plain socket server for client tests; `close` destroys its connections so it can finish. */
async function rawServer(socketFile: string, onConnection: (socket: net.Socket) => void): Promise<{ close: () => Promise<void> }> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
    // Read (and drop) whatever the client sends, so its close is seen.
    socket.resume();
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(socketFile, resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of accepted) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test('sendControl: a server that never answers gives null after the timeout', async (t) => {
  const silentPath = path.join(tmp, 'silent.sock');
  const silent = await rawServer(silentPath, () => undefined);
  t.after(() => silent.close());
  const startedAt = Date.now();
  assert.equal(await sendControl(silentPath, { op: 'ping' }, 150), null);
  const elapsed = Date.now() - startedAt;
  assert.ok(elapsed >= 140 && elapsed < 1500, `elapsed ${elapsed} ms`);
});

test('sendControl: an unreadable reply is an error reply', async (t) => {
  const oddPath = path.join(tmp, 'odd.sock');
  const odd = await rawServer(oddPath, (socket) => socket.end('not json at all\n'));
  t.after(() => odd.close());
  assert.deepEqual(await sendControl(oddPath, { op: 'ping' }, 2000), { ok: false, error: 'unreadable reply from the supervisor', code: 'internal' });
});

test('sendControl: a server that closes without a reply gives null', async (t) => {
  const closerPath = path.join(tmp, 'closer.sock');
  const closer = await rawServer(closerPath, (socket) => socket.end());
  t.after(() => closer.close());
  assert.equal(await sendControl(closerPath, { op: 'ping' }, 2000), null);
});

test('ControlServer: listen replaces a stale socket file and close removes it', async () => {
  const stalePath = path.join(tmp, 'stale.sock');
  const first = new ControlServer(stalePath, () => ({ ok: true, n: 1 }));
  await first.listen();
  // Simulate a dead supervisor: the socket file stays, nobody listens.
  const second = new ControlServer(stalePath, () => ({ ok: true, n: 2 }));
  await second.listen();
  assert.deepEqual(await sendControl(stalePath, { op: 'ping' }, 2000), { ok: true, n: 2 });
  await second.close();
  assert.equal(existsSync(stalePath), false);
  await first.close();
});

test('ControlServer: a socket path longer than the kernel takes is refused, and nothing keeps the process alive', async () => {
  // Node cuts such a path short and binds elsewhere; the server must refuse it and not listen.
  const longPath = path.join(tmp, `${'d'.repeat(100)}.sock`);
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import { ControlServer } from ${JSON.stringify(new URL('./control-server.js', import.meta.url).href)}; await new ControlServer(${JSON.stringify(longPath)}, () => null).listen().catch((e) => console.log('refused: ' + e.message));`],
    { encoding: 'utf8', timeout: 10_000 },
  );
  assert.equal(child.error, undefined, 'the process ended by itself');
  assert.match(child.stdout, /^refused: socket path .* is longer than 107 bytes/);
});
