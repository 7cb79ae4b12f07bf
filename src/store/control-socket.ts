import { lstatSync, mkdtempSync, rmdirSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StateRootError } from '../domain/errors.js';

/**
 * A Unix socket path is at most 108 bytes on Linux, its NUL included. Node does not refuse a
 * longer one: it cuts it short and binds somewhere else (a project path of ~100 characters,
 * common under WSL, was enough), so every path is checked against this before use.
 */
export const MAX_SOCKET_PATH_BYTES = 107;

export const SOCKET_FILE = 'supervisor.sock';
/** mkdtemp's prefix; also what marks a directory as ours when a stale one is cleaned up. */
const DIR_PREFIX = 'mcp-';

export function socketPathFits(socketPath: string): boolean {
  return Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH_BYTES;
}

/**
 * A fresh private directory for one supervisor's socket, under a short temporary directory
 * whatever the length of the state root's path: `/tmp/mcp-XXXXXX/supervisor.sock`. mkdtemp
 * makes a new directory or fails, so nobody can have prepared it, and two supervisors (two
 * state roots) never share one. Not `$XDG_RUNTIME_DIR`: logind removes it when the user's last
 * session ends, while a detached supervisor goes on running. systemd-tmpfiles leaves sockets
 * that are in use alone, so a long run's socket is not cleaned out of /tmp under it.
 */
export function createSocketDir(bases: readonly string[] = [os.tmpdir(), '/tmp']): string {
  const tried: string[] = [];
  for (const base of new Set(bases)) {
    if (!path.isAbsolute(base) || !socketPathFits(path.join(base, `${DIR_PREFIX}XXXXXX`, SOCKET_FILE))) {
      tried.push(`${base}: path too long`);
      continue;
    }
    let dir: string;
    try {
      dir = mkdtempSync(path.join(base, DIR_PREFIX));
    } catch (error) {
      tried.push(`${base}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      continue;
    }
    const problem = privateDirProblem(dir);
    if (!problem) return dir;
    rmdirSync(dir);
    tried.push(`${dir}: ${problem}`);
  }
  throw new StateRootError(`no private directory for the control socket (${tried.join('; ')})`, 'set TMPDIR to a short directory you can write to');
}

/** Why `dir` cannot hold a private socket, or null when it can: ours, a real directory, 0700. */
function privateDirProblem(dir: string): string | null {
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) return 'not a directory';
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) return `owned by uid ${stat.uid}`;
  if ((stat.mode & 0o077) !== 0) return `open to others (mode ${(stat.mode & 0o777).toString(8)})`;
  return null;
}

/**
 * Removes a socket made by createSocketDir and its directory, once nobody listens on it (the
 * supervisor stopped, or died and its lock was taken over). Anything that does not look like
 * ours (a record edited by hand) is left alone.
 */
export function removeSocketDir(socketPath: string): void {
  const dir = path.dirname(socketPath);
  if (path.basename(socketPath) !== SOCKET_FILE || !path.basename(dir).startsWith(DIR_PREFIX)) return;
  try {
    const stat = lstatSync(socketPath);
    const uid = process.getuid?.();
    if (stat.isSocket() && (uid === undefined || stat.uid === uid)) unlinkSync(socketPath);
  } catch {
    /* already gone */
  }
  try {
    rmdirSync(dir);
  } catch {
    /* gone, or not empty: then it is not only ours */
  }
}
