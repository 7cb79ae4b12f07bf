import { UsageError } from '../domain/errors.js';
import { detectPlatform } from '../paths/platform.js';
import type { TaskStore } from '../store/task-store.js';
import { runCommand } from '../terminal/run-command.js';
import { startUiServer, type UiServer } from '../ui/server/http-server.js';
import type { McpContext } from './context.js';

/** `--port N`: 0 (the default) lets the system pick a free one. */
export function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > 65_535) throw new UsageError(`--port must be a port number from 1 to 65535, not ${JSON.stringify(raw)}`);
  return n;
}

/** Starts the web dashboard of a state root on 127.0.0.1 (`mcp ui`, `mcp run --ui`); `store` is asked at each use. */
export async function startDashboard(ctx: McpContext, store: () => TaskStore, port: number): Promise<UiServer> {
  const killGraceMs = (await ctx.loadConfig()).killGraceSeconds * 1000;
  try {
    return await startUiServer({ store, root: ctx.root, port, killGraceMs });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on 127.0.0.1 is in use`, 'give another --port, or none to take any free port');
    if (code === 'EACCES') throw new UsageError(`port ${port} needs privileges`, 'use a port above 1023');
    throw error;
  }
}

/** How long the desktop's opener may take; it returns once the browser was asked. */
const OPEN_TIMEOUT_MS = 10_000;

/** Asks the desktop to open the URL (under WSL, the Windows browser); false when nothing could. */
export async function openInBrowser(url: string): Promise<boolean> {
  const openers = detectPlatform().wsl ? [['wslview', url], ['xdg-open', url]] : [['xdg-open', url]];
  for (const argv of openers) {
    const result = await runCommand(argv, { cwd: process.cwd(), timeoutMs: OPEN_TIMEOUT_MS });
    if (result.code === 0) return true;
  }
  return false;
}
