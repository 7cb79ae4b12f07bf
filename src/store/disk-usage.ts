import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * What folders hold on disk, as `du -s` counts it: allocated blocks of every entry, the
 * folders themselves included, symlinks never followed, a file with several hard links
 * counted once. Blocks rather than sizes, because this is what removing them frees.
 *
 * A walk can stop at a deadline and go on later from where it stopped: its state is plain
 * data, kept between two `mcp status` in store/disk-usage.json (root-usage.ts).
 */

export interface Walk {
  /** Paths not looked at yet. */
  pending: string[];
  /** Paths left out, with everything under them. */
  exclude: string[];
  bytes: number;
  /** `dev:ino` of files with several links already counted. */
  linked: string[];
}

/** The clock is read every this many entries: a stat costs microseconds, reading the clock far less, but not nothing. */
const ENTRIES_PER_CLOCK_READ = 16;

function allocated(stat: Stats): number {
  return stat.blocks * 512;
}

/** Bytes one entry takes itself (a folder without what it holds); 0 when it does not exist. */
export function entryBytes(file: string): number {
  try {
    return allocated(lstatSync(file));
  } catch {
    return 0;
  }
}

/** A walk of these paths (missing ones count 0) that has looked at nothing yet. */
export function startWalk(paths: readonly string[], exclude: readonly string[] = []): Walk {
  return { pending: [...paths].reverse(), exclude: [...exclude], bytes: 0, linked: [] };
}

/**
 * A monotonic clock in milliseconds for walk deadlines. Not `performance.now()`: the global
 * `performance` loads perf_hooks (ten modules) on first use, in a status that should start fast.
 */
export function clockMs(): number {
  return process.uptime() * 1000;
}

/** Walks on until done (true) or `deadline` (clockMs()) passed (false; call again to go on). */
export function continueWalk(walk: Walk, deadline?: number): boolean {
  const exclude = new Set(walk.exclude);
  const linked = new Set(walk.linked);
  try {
    for (let seen = 1; walk.pending.length > 0; seen += 1) {
      if (deadline !== undefined && seen % ENTRIES_PER_CLOCK_READ === 0 && clockMs() > deadline) return false;
      const current = walk.pending.pop() as string;
      if (exclude.has(current)) continue;
      let stat: Stats | undefined;
      try {
        // No exception for a missing path: building one costs more than the stat.
        stat = lstatSync(current, { throwIfNoEntry: false });
      } catch {
        stat = undefined; // not readable
      }
      if (!stat) continue;
      if (stat.nlink > 1 && !stat.isDirectory()) {
        const inode = `${stat.dev}:${stat.ino}`;
        if (linked.has(inode)) continue;
        linked.add(inode);
      }
      walk.bytes += allocated(stat);
      if (!stat.isDirectory()) continue;
      try {
        for (const name of readdirSync(current)) walk.pending.push(path.join(current, name));
      } catch {
        /* not readable: it counts for itself */
      }
    }
    return true;
  } finally {
    walk.linked = [...linked];
  }
}

/** Bytes `dir` takes on disk; 0 when it does not exist; null when the deadline passed first. */
export function directoryBytes(dir: string, options: { deadline?: number; exclude?: readonly string[] } = {}): number | null {
  const walk = startWalk([dir], options.exclude);
  return continueWalk(walk, options.deadline) ? walk.bytes : null;
}
