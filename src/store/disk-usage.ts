import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * What a folder holds on disk, as `du -s` counts it: allocated blocks of every entry, the
 * folder itself included, symlinks never followed, a file with several hard links counted
 * once. Blocks rather than sizes, because this is what removing the folder frees.
 *
 * A walk can stop at a deadline and go on later from where it stopped (its state is plain
 * data, kept between two `mcp status`): it stops between folders, never inside one.
 */

export interface Walk {
  /** Folders not read yet. */
  pending: string[];
  bytes: number;
  /** `dev:ino` of files with several links already counted. */
  linked: string[];
}

export interface WalkOptions {
  /** performance.now() after which the walk stops (between two folders). */
  deadline?: number;
  /** Absolute paths left out, with everything under them. */
  exclude?: ReadonlySet<string>;
}

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

/** A walk of `dir` that has read nothing yet; a missing `dir` is an empty walk, done. */
export function startWalk(dir: string): Walk {
  let stat: Stats;
  try {
    stat = lstatSync(dir);
  } catch {
    return { pending: [], bytes: 0, linked: [] };
  }
  return { pending: stat.isDirectory() ? [dir] : [], bytes: allocated(stat), linked: [] };
}

/** Walks on until done (true) or the deadline passed (false; call again to go on). */
export function continueWalk(walk: Walk, options: WalkOptions = {}): boolean {
  const linked = new Set(walk.linked);
  try {
    while (walk.pending.length > 0) {
      if (options.deadline !== undefined && performance.now() > options.deadline) return false;
      const current = walk.pending.pop() as string;
      let names: string[];
      try {
        names = readdirSync(current);
      } catch {
        continue; // gone meanwhile, or not readable: it counts for what was seen
      }
      for (const name of names) {
        const full = path.join(current, name);
        if (options.exclude?.has(full)) continue;
        let stat: Stats;
        try {
          stat = lstatSync(full);
        } catch {
          continue;
        }
        if (stat.nlink > 1 && !stat.isDirectory()) {
          const inode = `${stat.dev}:${stat.ino}`;
          if (linked.has(inode)) continue;
          linked.add(inode);
        }
        walk.bytes += allocated(stat);
        if (stat.isDirectory()) walk.pending.push(full);
      }
    }
    return true;
  } finally {
    walk.linked = [...linked];
  }
}

/** Bytes `dir` takes on disk; 0 when it does not exist; null when the deadline passed first. */
export function directoryBytes(dir: string, options: WalkOptions = {}): number | null {
  const walk = startWalk(dir);
  return continueWalk(walk, options) ? walk.bytes : null;
}
