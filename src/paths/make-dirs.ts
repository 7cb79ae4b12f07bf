import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir spins forever on some special
 * file systems (seen with a path under /proc), and what is asked for there must fail cleanly.
 */
export function makeDirs(dir: string, mode?: number): void {
  const missing: string[] = [];
  let current = path.resolve(dir);
  while (!existsSync(current)) {
    missing.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing) mkdirSync(level, mode === undefined ? undefined : { mode });
}
