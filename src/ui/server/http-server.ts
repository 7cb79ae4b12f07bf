import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import * as z from 'zod';
import { errorMessage, NotFoundError } from '../../domain/errors.js';
import { PERSON_DECISIONS } from '../../domain/events.js';
import { packageRoot } from '../../paths/package-root.js';
import type { StateRoot } from '../../store/state-root.js';
import type { TaskStore } from '../../store/task-store.js';
import type { ActionReply, FeedMessage } from '../wire.js';
import { checkRequest, newToken } from './access-guard.js';
import * as control from './control.js';
import { runDiff, taskDiff } from './diffs.js';
import { StateFeed, type FeedClient } from './state-feed.js';
import { bridgeTerminal } from './terminal-bridge.js';

/** Where `npm run build` puts the page. */
export function defaultAssetsDir(): string {
  return path.join(packageRoot(), 'dist/ui');
}
/** A request body larger than this is not one the page sends (a message, a decision). */
const MAX_BODY_BYTES = 256 * 1024;
/**
 * Feed messages held for one page beyond this: the page is not reading (a background tab
 * asleep); it is disconnected rather than buffered for, and reconnects with fresh state.
 */
const MAX_FEED_BUFFER_BYTES = 8 * 1024 * 1024;

/** How long pages get to take their last messages when the server stops. */
const CLOSE_GRACE_MS = 1_000;

const ASSET_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // The token is in the page's URL: it must never leave in a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export interface UiServerOptions {
  /** Asked at each use: the store may only appear once the dashboard runs (see StateFeed). */
  store: () => TaskStore;
  root: StateRoot;
  /** 0: any free port. */
  port?: number;
  killGraceMs: number;
  assetsDir?: string;
  /** Fixed for tests; otherwise a fresh random one. */
  token?: string;
}

export interface UiServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const approveBody = z.object({ id: z.number().int().min(1).optional(), decision: z.enum(PERSON_DECISIONS) }).strict();
const sendBody = z.object({ text: z.string().min(1).max(64 * 1024) }).strict();
const watchMessage = z.object({ op: z.literal('watch'), runId: z.string().max(200).nullable() }).strict();

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The dashboard's server: the page and its assets, a JSON API over the store and the
 * supervisor's socket, the live feed and task terminals over WebSockets. Loopback only,
 * and every request is checked by access-guard.ts first.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const { root } = options;
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  const token = options.token ?? newToken();
  let indexHtml: string;
  try {
    indexHtml = readFileSync(path.join(assetsDir, 'index.html'), 'utf8');
  } catch {
    throw new NotFoundError(`the dashboard's page is not built (${path.join(assetsDir, 'index.html')} is missing)`, 'run `npm run build` in the mcp repository');
  }
  const feed = new StateFeed(options.store, root, () => control.supervisorPing(root));
  let port = options.port ?? 0;

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : error instanceof NotFoundError ? 404 : 500;
      sendJson(res, status, { error: errorMessage(error) });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const verdict = checkRequest({ method: req.method ?? 'GET', url: req.url ?? '/', host: req.headers.host, origin: req.headers.origin, authorization: req.headers.authorization }, token, port);
    if (!verdict.ok) return sendJson(res, verdict.status, { error: verdict.why });
    const store = options.store();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').filter(Boolean).map(decodePart);
    const method = req.method ?? 'GET';
    if (method === 'GET' && parts.length === 0) {
      res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CSP });
      res.end(indexHtml.replaceAll('{{TOKEN}}', token));
      return;
    }
    if (method === 'GET' && parts[0] === 'assets' && parts.length === 2) return sendAsset(res, assetsDir, parts[1] as string);
    if (parts[0] !== 'api') throw new HttpError(404, 'not found');
    const [, kind, id, what] = parts;
    if (method === 'GET') {
      if (kind === 'runs' && !id) return sendJson(res, 200, feed.runsReply());
      if (kind === 'runs' && id && !what) return sendJson(res, 200, feed.runReply(id));
      if (kind === 'runs' && id && what === 'diff') {
        const run = store.resolveRun(id);
        return sendJson(res, 200, await runDiff(root, run));
      }
      if (kind === 'tasks' && id && !what) return sendJson(res, 200, feed.taskReply(id));
      if (kind === 'tasks' && id && what === 'diff') {
        const task = store.resolveTask(id);
        const run = store.resolveRun(task.runId);
        const siblings = store.tasksOf(task.runId);
        const deps = task.dependsOn.flatMap((key) => siblings.find((t) => t.key === key && !t.superseded)?.branch ?? []);
        return sendJson(res, 200, await taskDiff(root, run, task, deps));
      }
      if (kind === 'inbox' && !id) return sendJson(res, 200, feed.inbox());
      throw new HttpError(404, 'not found');
    }
    if (method !== 'POST') throw new HttpError(405, 'method not allowed');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'send JSON');
    const body = await readBody(req);
    let reply: ActionReply;
    if (kind === 'tasks' && id && what === 'approve') {
      const input = parse(approveBody, body);
      reply = await control.approve(root, store.resolveTask(id).id, input.id, input.decision);
    } else if (kind === 'tasks' && id && what === 'send') {
      reply = await control.send(root, store.resolveTask(id).id, parse(sendBody, body).text);
    } else if (kind === 'tasks' && id && what === 'done') {
      reply = await control.done(root, store.resolveTask(id).id);
    } else if (kind === 'tasks' && id && what === 'kill') {
      reply = await control.kill(root, store, { kind: 'task', task: store.resolveTask(id) }, options.killGraceMs);
    } else if (kind === 'runs' && id && what === 'kill') {
      reply = await control.kill(root, store, { kind: 'run', runId: store.resolveRun(id).id }, options.killGraceMs);
    } else if (kind === 'runs' && id && what === 'merge') {
      reply = await control.merge(root, store, id);
    } else {
      throw new HttpError(404, 'not found');
    }
    void feed.tick();
    sendJson(res, 200, reply);
  }

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const verdict = checkRequest({ method: 'GET', url: req.url ?? '/', host: req.headers.host, origin: req.headers.origin, authorization: req.headers.authorization }, token, port);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!verdict.ok || (url.pathname !== '/ws' && url.pathname !== '/ws/term')) {
      const status = verdict.ok ? 404 : verdict.status;
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      if (url.pathname === '/ws') serveFeed(ws);
      else void bridgeTerminal(ws, root, options.store(), url.searchParams.get('task') ?? '');
    });
  });

  function serveFeed(ws: WebSocket): void {
    const client: FeedClient = {
      watching: null,
      send: (message: FeedMessage) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > MAX_FEED_BUFFER_BYTES) return ws.terminate();
        ws.send(JSON.stringify(message));
      },
    };
    ws.on('message', (data) => {
      try {
        const message = watchMessage.safeParse(JSON.parse(String(data)));
        if (message.success) feed.watch(client, message.data.runId);
      } catch {
        /* not JSON: ignored */
      }
    });
    ws.on('close', () => feed.remove(client));
    ws.on('error', () => undefined);
    feed.add(client);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  await feed.start();
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      feed.stop();
      await feed.flush();
      await new Promise<void>((resolve) => {
        for (const ws of sockets.clients) ws.close(1001, 'mcp stopped');
        const cut = setTimeout(() => {
          for (const ws of sockets.clients) ws.terminate();
          server.closeAllConnections();
        }, CLOSE_GRACE_MS);
        sockets.close();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sendAsset(res: http.ServerResponse, dir: string, name: string): void {
  const type = ASSET_TYPES[path.extname(name)];
  // Names only, never a path: nothing outside the page's own folder is served.
  if (!type || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new HttpError(404, 'not found');
  let body: Buffer;
  try {
    body = readFileSync(path.join(dir, name));
  } catch {
    throw new HttpError(404, 'not found');
  }
  res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': type });
  res.end(body);
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'request too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
      } catch {
        reject(new HttpError(400, 'the body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new HttpError(400, `bad request: ${result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  return result.data;
}

/** A path segment as the client meant it; a malformed escape (`%ZZ`) is the client's error, not ours. */
function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, `malformed path segment: ${part}`);
  }
}
