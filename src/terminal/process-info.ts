import { readFileSync } from 'node:fs';

/** Fields 3 (state) and 22 (start time) of /proc/PID/stat; null when there is no such process (or no /proc). */
function readStat(pid: number): { state: string; start: string | null } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', start: rest[19] ?? null };
  } catch {
    return null;
  }
}

/**
 * The kernel's start time of a process (clock ticks since boot, field 22 of /proc/PID/stat).
 * Stored beside a PID so a later `kill` never hits an unrelated process that reused the PID.
 */
export function processStartTime(pid: number): string | null {
  return readStat(pid)?.start ?? null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `pid` is alive and is the very process recorded with `start`. */
export function isSameProcess(pid: number, start: string | null): boolean {
  if (!isAlive(pid)) return false;
  if (start === null) return true;
  return processStartTime(pid) === start;
}

/**
 * True when `pid` is the process recorded with `start` and has not exited. Unlike
 * isSameProcess, a zombie (dead, not yet reaped by its parent, which can take seconds)
 * counts as gone: it holds nothing and answers nothing. One read of /proc/PID/stat; only a
 * process recorded where there was no /proc (start null) is asked with kill(0).
 */
export function isRunningProcess(pid: number, start: string | null): boolean {
  if (start === null) return isAlive(pid);
  const stat = readStat(pid);
  return stat !== null && stat.start === start && stat.state !== 'Z' && stat.state !== 'X';
}

/** Signals a whole process group; a group already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    try {
      process.kill(pgid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
