import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes: as a notebook server does, the URL is the key; it is never guessed. */
const TOKEN_BYTES = 32;

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export interface RequestFacts {
  method: string;
  /** The request target, path and query (`/api/runs?token=…`). */
  url: string;
  host: string | undefined;
  origin: string | undefined;
  authorization: string | undefined;
}

export type Verdict = { ok: true } | { ok: false; status: 400 | 401 | 403; why: string };

/**
 * Whether a request may reach the dashboard. The server listens on 127.0.0.1 only, but any
 * page the user has open can make the browser send requests there, so:
 * - the token (query `token` or `Authorization: Bearer`) is required on every request,
 *   page, asset, API and WebSocket alike (401 without it);
 * - Host must name this server by a loopback name: a DNS-rebinding page reaches
 *   127.0.0.1 under its own host name, and is refused (403);
 * - Origin, when the browser sends one, must be this server: a cross-site page's fetch or
 *   WebSocket is refused (403) even if it learnt the token. No CORS header is ever sent.
 */
export function checkRequest(facts: RequestFacts, token: string, port: number): Verdict {
  const allowed = allowedHosts(port);
  if (!facts.host || !allowed.includes(facts.host.toLowerCase())) return { ok: false, status: 403, why: 'unexpected Host header' };
  if (facts.origin !== undefined && !allowed.map((h) => `http://${h}`).includes(facts.origin.toLowerCase())) {
    return { ok: false, status: 403, why: 'cross-origin request refused' };
  }
  const given = tokenOf(facts);
  if (given === null || !sameSecret(given, token)) return { ok: false, status: 401, why: 'missing or wrong token (open the URL mcp printed)' };
  // A state-changing request from a browser always carries Origin; one without it is not from our page.
  if (facts.method !== 'GET' && facts.method !== 'HEAD' && facts.origin === undefined && facts.authorization === undefined) {
    return { ok: false, status: 403, why: 'a change needs the Origin header of this page or an Authorization header' };
  }
  return { ok: true };
}

function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

function tokenOf(facts: RequestFacts): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(facts.authorization ?? '');
  if (bearer?.[1]) return bearer[1];
  let url: URL;
  try {
    url = new URL(facts.url, 'http://127.0.0.1');
  } catch {
    return null;
  }
  return url.searchParams.get('token');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
