import type { ActionReply } from '../wire.js';

/** The token came in the page's URL (the one mcp printed); every request carries it. */
export const TOKEN = new URLSearchParams(location.search).get('token') ?? '';

function withToken(path: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(TOKEN)}`;
}

export async function get<T>(path: string): Promise<T> {
  const res = await fetch(withToken(path));
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

export async function post(path: string, body: unknown = {}): Promise<ActionReply> {
  try {
    const res = await fetch(withToken(path), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const reply = (await res.json()) as ActionReply & { error?: string };
    return res.ok ? reply : { ok: false, message: reply.error ?? `${res.status} ${res.statusText}` };
  } catch (error) {
    return { ok: false, message: `the dashboard's server did not answer (${(error as Error).message})` };
  }
}

export function socketUrl(path: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${withToken(path)}`;
}
