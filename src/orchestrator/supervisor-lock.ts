import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { isRunningProcess, processStartTime } from '../terminal/process-info.js';

export interface LockHolder {
  pid: number;
  start: string | null;
}

function readHolder(file: string): LockHolder | null {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof data.pid === 'number' ? { pid: data.pid, start: data.start ?? null } : null;
  } catch {
    return null;
  }
}

/**
 * One supervisor per state root. The lock file names the holder's PID and start time; a
 * lock whose holder is gone (exited, even if its parent has not reaped it yet, or whose PID
 * was reused by another process) is taken over.
 */
export class SupervisorLock {
  private held = false;

  constructor(private readonly file: string) {}

  /** Takes the lock, or returns the live holder that has it. */
  acquire(): LockHolder | null {
    const me = thisProcess();
    for (let tries = 0; tries < 3; tries += 1) {
      try {
        writeFileSync(this.file, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
        this.held = true;
        return null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(this.file);
      if (holder && holder.pid !== process.pid && isRunningProcess(holder.pid, holder.start)) return holder;
      // Stale: its holder died. Remove and try again; `wx` keeps two takers from both winning.
      try {
        unlinkSync(this.file);
      } catch {
        /* another taker removed it first */
      }
    }
    return readHolder(this.file) ?? { pid: -1, start: null };
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    const holder = readHolder(this.file);
    if (holder?.pid === process.pid) {
      try {
        unlinkSync(this.file);
      } catch {
        /* already gone */
      }
    }
  }
}

/** This process as a lock names it; a supervisor records the same on the runs it takes. */
export function thisProcess(): LockHolder {
  return { pid: process.pid, start: processStartTime(process.pid) };
}

/** The live supervisor of the lock's state root, or null: one small file and one /proc read. */
export function currentLockHolder(file: string): LockHolder | null {
  const holder = readHolder(file);
  return holder && isRunningProcess(holder.pid, holder.start) ? holder : null;
}
