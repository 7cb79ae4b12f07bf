import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppServerClient, type ServerRequestHandle } from './client.js';
import { AppServerClosedError, AppServerConnectError, AppServerRequestError, AppServerTimeoutError } from './errors.js';
import type { ServerNotification } from './methods.js';

/**
 * A stand-in for `codex app-server --listen unix://PATH`: WebSocket framing on a unix socket,
 * JSON-RPC without the "jsonrpc" member, `initialize` answered like codex 0.169.0 does.
 */
interface FakeServer {
  socketPath: string;
  received: Record<string, unknown>[];
  /** The latest connection. */
  peer(): WebSocket;
  send(message: Record<string, unknown>): void;
  next(predicate: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Answers requests of this method itself (initialize is answered by default). */
  answer(method: string, reply: (params: unknown) => Record<string, unknown>): void;
  close(): Promise<void>;
}

const dirs: string[] = [];
// A failing test leaves its server open; closing them all here keeps the run from hanging.
const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempSocket(name = 'codex.sock'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-as-test-'));
  dirs.push(dir);
  return path.join(dir, name);
}

async function fakeServer(socketPath = tempSocket()): Promise<FakeServer> {
  const http_ = http.createServer();
  const wss = new WebSocketServer({ server: http_ });
  const received: Record<string, unknown>[] = [];
  const waiters: { predicate: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  const replies = new Map<string, (params: unknown) => Record<string, unknown>>([
    ['initialize', () => ({ result: { userAgent: 'fake/0.169.0', codexHome: '/nowhere', platformFamily: 'unix', platformOs: 'linux' } })],
  ]);
  let latest: WebSocket | null = null;
  wss.on('connection', (ws) => {
    latest = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      received.push(message);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(message)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
      const reply = typeof message.method === 'string' && message.id !== undefined ? replies.get(message.method) : undefined;
      if (reply) ws.send(JSON.stringify({ id: message.id, ...reply(message.params) }));
    });
  });
  await new Promise<void>((resolve) => http_.listen(socketPath, resolve));
  let closed: Promise<void> | null = null;
  const server: FakeServer = {
    socketPath,
    received,
    peer: () => {
      assert.ok(latest, 'no client connected');
      return latest;
    },
    send: (message) => latest?.send(JSON.stringify(message)),
    next: (predicate) =>
      new Promise((resolve) => {
        const seen = received.find(predicate);
        if (seen) resolve(seen);
        else waiters.push({ predicate, resolve });
      }),
    answer: (method, reply) => replies.set(method, reply),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http_.close(() => resolve());
      })),
  };
  servers.push(server);
  return server;
}

const clientInfo = { name: 'mcp-test', title: null, version: '0.0.0' };

test('connect: waits for a socket that appears later, then initializes and says initialized', async () => {
  const socketPath = tempSocket();
  const connecting = AppServerClient.connect({ socketPath, clientInfo, connectTimeoutMs: 5_000 });
  await new Promise((resolve) => setTimeout(resolve, 150));
  const server = await fakeServer(socketPath);
  const client = await connecting;
  assert.equal(client.initializeResponse.userAgent, 'fake/0.169.0');
  const initialized = await server.next((m) => m.method === 'initialized');
  assert.deepEqual(initialized, { method: 'initialized' });
  const init = server.received[0];
  assert.equal(init?.method, 'initialize');
  assert.deepEqual(init?.params, { clientInfo, capabilities: null });
  assert.equal('jsonrpc' in (init ?? {}), false);
  await client.close();
  await server.close();
});

test('connect: gives up with AppServerConnectError when nothing listens within the timeout', async () => {
  const socketPath = tempSocket();
  const started = Date.now();
  await assert.rejects(AppServerClient.connect({ socketPath, clientInfo, connectTimeoutMs: 200 }), (error: unknown) => {
    assert.ok(error instanceof AppServerConnectError);
    assert.equal(error.socketPath, socketPath);
    assert.match(error.message, /did not answer .* within 200 ms/);
    return true;
  });
  assert.ok(Date.now() - started < 2_000, 'bounded wait');
});

test('connect: an abort signal stops the wait at once', async () => {
  const controller = new AbortController();
  const connecting = AppServerClient.connect({ socketPath: tempSocket(), clientInfo, connectTimeoutMs: 60_000, signal: controller.signal });
  const started = Date.now();
  setTimeout(() => controller.abort(new Error('app-server exited')), 50);
  await assert.rejects(connecting, AppServerConnectError);
  assert.ok(Date.now() - started < 1_000);
});

test('connect: a socket path with a space and non-ASCII characters works', async () => {
  const server = await fakeServer(tempSocket('co dex é.sock'));
  const client = await AppServerClient.connect({ socketPath: server.socketPath, clientInfo });
  assert.ok(client.isOpen);
  await client.close();
  await server.close();
});

test('connect: a path too long for connect(2) works through the symlink codex makes there', async () => {
  const server = await fakeServer();
  const deep = path.join(path.dirname(server.socketPath), 'd'.repeat(60), 'e'.repeat(60));
  mkdirSync(deep, { recursive: true });
  const longPath = path.join(deep, 'codex.sock');
  assert.ok(Buffer.byteLength(longPath) > 108);
  symlinkSync(server.socketPath, longPath);
  const client = await AppServerClient.connect({ socketPath: longPath, clientInfo, connectTimeoutMs: 1_000 });
  assert.ok(client.isOpen);
  await client.close();
  await server.close();
});

test('connect: an initialize error rejects with the typed error and closes the connection', async () => {
  const server = await fakeServer();
  server.answer('initialize', () => ({ error: { code: -32600, message: 'Already initialized' } }));
  await assert.rejects(AppServerClient.connect({ socketPath: server.socketPath, clientInfo }), (error: unknown) => {
    assert.ok(error instanceof AppServerRequestError);
    assert.equal(error.method, 'initialize');
    assert.equal(error.code, -32600);
    return true;
  });
  await server.close();
});

test('request: results and errors are matched to their requests by id, whatever the order', async () => {
  const server = await fakeServer();
  const client = await AppServerClient.connect({ socketPath: server.socketPath, clientInfo });
  const first = client.request('thread/loaded/list', {});
  const second = client.request('turn/interrupt', { threadId: 't1', turnId: 'u1' });
  const [a, b] = await Promise.all([server.next((m) => m.method === 'thread/loaded/list'), server.next((m) => m.method === 'turn/interrupt')]);
  assert.notEqual(a.id, b.id);
  assert.deepEqual(b.params, { threadId: 't1', turnId: 'u1' });
  server.send({ id: b.id, error: { code: -32600, message: 'no active turn', data: { turnId: 'u1' } } });
  server.send({ id: a.id, result: { data: ['t1'], nextCursor: null } });
  assert.deepEqual(await first, { data: ['t1'], nextCursor: null });
  await assert.rejects(second, (error: unknown) => {
    assert.ok(error instanceof AppServerRequestError);
    assert.equal(error.method, 'turn/interrupt');
    assert.equal(error.code, -32600);
    assert.equal(error.rpcMessage, 'no active turn');
    assert.deepEqual(error.data, { turnId: 'u1' });
    return true;
  });
  await client.close();
  await server.close();
});

test('request: an empty result ({} or null) resolves', async () => {
  const server = await fakeServer();
  server.answer('turn/interrupt', () => ({ result: {} }));
  const client = await AppServerClient.connect({ socketPath: server.socketPath, clientInfo });
  assert.deepEqual(await client.request('turn/interrupt', { threadId: 't', turnId: 'u' }), {});
  await client.close();
  await server.close();
});

test('request: no answer within its deadline rejects with AppServerTimeoutError', async () => {
  const server = await fakeServer();
  const client = await AppServerClient.connect({ socketPath: server.socketPath, clientInfo, requestTimeoutMs: 100 });
  await assert.rejects(client.request('thread/loaded/list', {}), (error: unknown) => error instanceof AppServerTimeoutError && error.timeoutMs === 100);
  await client.close();
  await server.close();
});

test('notifications reach every listener in arrival order; garbage frames are ignored', async () => {
  const server = await fakeServer();
  const client = await AppServerClient.connect({ socketPath: server.socketPath, clientInfo });
  const all: string[] = [];
  const statuses: string[] = [];
  client.onNotification((n: ServerNotification) => all.push(n.method));
  client.on('thread/status/changed', (params) => statuses.push(params.status.type));
  const done = new Promise<void>((resolve) => client.on('turn/completed', () => resolve()));
  server.peer().send('not json');
  server.peer().send(JSON.stringify([1, 2]));
  server.send({ method: 'turn/started', params: { threadId: 't', turn: {} } });
  server.send({ method: 'thread/status/changed', params: { threadId: 't', status: { type: 'active', activeFlags: ['waitingOnApproval'] } } });
  server.send({ method: 'thread/status/changed', params: { threadId: 't', status: { type: 'idle' } } });
  server.send({ method: 'turn/completed', params: { threadId: 't', turn: {} } });
  await done;
  assert.deepEqual(all, ['turn/started', 'thread/status/changed', 'thread/status/changed', 'turn/completed']);
  assert.deepEqual(statuses, ['active', 'idle']);
  await client.close();
  await server.close();
});

test('server requests: the handler answers minutes later through the handle, once', async () => {
  const server = await fakeServer();
  const client = await AppServerClient.connect({ socketPath: server.socketPath, clientInfo });
  const handles: ServerRequestHandle[] = [];
  client.onServerRequest((handle) => handles.push(handle));
  server.send({ id: 0, method: 'item/commandExecution/requestApproval', params: { threadId: 't', turnId: 'u', itemId: 'call_1', command: 'git push origin main', reason: 'push' } });
  server.send({ id: 'x-7', method: 'item/fileChange/requestApproval', params: { threadId: 't', turnId: 'u', itemId: 'call_2' } });
  await waitUntil(() => handles.length === 2);
  const [command, file] = handles;
  assert.ok(command && file);
  // Narrowing on the method types the params and the answer.
  assert.ok(command.method === 'item/commandExecution/requestApproval');
  assert.equal(command.params.command, 'git push origin main');
  assert.deepEqual(client.pendingServerRequests().map((h) => h.id), [0, 'x-7']);
  // A human takes their time.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(command.state(), 'pending');
  assert.equal(command.respond({ decision: 'accept' }), true);
  assert.equal(command.respond({ decision: 'decline' }), false, 'a second answer is refused');
  assert.equal(file.fail('nobody to ask'), true);
  assert.deepEqual(await server.next((m) => m.id === 0 && 'result' in m), { id: 0, result: { decision: 'accept' } });
  assert.deepEqual(await server.next((m) => m.id === 'x-7' && 'error' in m), { id: 'x-7', error: { code: -32603, message: 'nobody to ask' } });
  assert.equal(await command.settled, 'answered');
  assert.deepEqual(client.pendingServerRequests(), []);
  await client.close();
  await server.close();
});

test('server requests: serverRequest/resolved before our answer means another client (or the turn end) settled it', async () => {
  const server = await fakeServer();
  const client = await AppServerClient.connect({ socketPath: server.socketPath, clientInfo });
  let handle: ServerRequestHandle | undefined;
  client.onServerRequest((h) => (handle = h));
  server.send({ id: 3, method: 'item/commandExecution/requestApproval', params: { threadId: 't', turnId: 'u', itemId: 'c' } });
  await waitUntil(() => handle !== undefined);
  server.send({ method: 'serverRequest/resolved', params: { threadId: 't', requestId: 3 } });
  assert.ok(handle?.method === 'item/commandExecution/requestApproval');
  assert.equal(await handle.settled, 'resolved');
  assert.equal(handle.respond({ decision: 'accept' }), false);
  await client.close();
  assert.equal(server.received.some((m) => m.id === 3), false, 'nothing was sent for it');
  await server.close();
});

test('server requests: those that came before a handler was set are delivered to it, in order', async () => {
  const server = await fakeServer();
  const client = await AppServerClient.connect({ socketPath: server.socketPath, clientInfo });
  const seen = new Promise<void>((resolve) => client.on('warning', () => resolve()));
  server.send({ id: 1, method: 'item/tool/requestUserInput', params: { threadId: 't', turnId: 'u', itemId: 'a', questions: [] } });
  server.send({ id: 2, method: 'item/permissions/requestApproval', params: { threadId: 't', turnId: 'u', itemId: 'b' } });
  server.send({ method: 'warning', params: { threadId: 't', message: 'm' } });
  await seen;
  const methods: string[] = [];
  client.onServerRequest((h) => methods.push(h.method));
  assert.deepEqual(methods, ['item/tool/requestUserInput', 'item/permissions/requestApproval']);
  await client.close();
  await server.close();
});

test('the app-server dying mid-request rejects pending requests, settles server requests, and refuses new requests', async () => {
  const server = await fakeServer();
  const client = await AppServerClient.connect({ socketPath: server.socketPath, clientInfo });
  let handle: ServerRequestHandle | undefined;
  client.onServerRequest((h) => (handle = h));
  server.send({ id: 9, method: 'item/commandExecution/requestApproval', params: { threadId: 't', turnId: 'u', itemId: 'c' } });
  await waitUntil(() => handle !== undefined);
  const pending = client.request('turn/start', { threadId: 't', input: [{ type: 'text', text: 'x', text_elements: [] }] });
  await server.next((m) => m.method === 'turn/start');
  const closes: number[] = [];
  client.onClose((info) => closes.push(info.code));
  // No close frame: what a killed process leaves.
  server.peer().terminate();
  await assert.rejects(pending, (error: unknown) => {
    assert.ok(error instanceof AppServerClosedError);
    assert.equal(error.method, 'turn/start');
    assert.match(error.message, /went away \(close code 1006\)/);
    return true;
  });
  assert.equal(await handle?.settled, 'closed');
  const info = await client.closed;
  assert.equal(info.byClient, false);
  assert.deepEqual(closes, [1006]);
  assert.equal(client.isOpen, false);
  await assert.rejects(client.request('thread/loaded/list', {}), AppServerClosedError);
  await server.close();
});

test('close: by the client, pending requests reject and the close is marked as ours', async () => {
  const server = await fakeServer();
  const client = await AppServerClient.connect({ socketPath: server.socketPath, clientInfo });
  const pending = client.request('thread/loaded/list', {});
  await server.next((m) => m.method === 'thread/loaded/list');
  await client.close();
  await assert.rejects(pending, (error: unknown) => error instanceof AppServerClosedError && /closed by mcp/.test(error.message));
  assert.equal((await client.closed).byClient, true);
  await client.close();
  await server.close();
});

async function waitUntil(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
