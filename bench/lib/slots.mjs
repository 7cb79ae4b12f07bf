// What a run's events say about its slots: how long a slot stayed free between one task's
// process exit and the next task's process start, and how long mcp took to exit after the
// last process ended.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { median } from './proc.mjs';

/** The `started` and `exit` times of each task's last attempt (epoch ms). */
export function processTimes(stateRoot, taskIds) {
  return taskIds.map((id) => {
    const events = readFileSync(path.join(stateRoot, 'runs', id, 'events.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const last = (type) => {
      const e = events.filter((x) => x.type === type).at(-1);
      return e ? Date.parse(e.ts) : NaN;
    };
    return { id, started: last('started'), exited: last('exit') };
  });
}

/**
 * Idle slot time: with `parallel` slots and every task ready from the start, the first
 * `parallel` processes take the slots; each later start takes the slot the k-th exit freed.
 * Returns each hand-over's gap (ms) and the gap from the last exit to `exitAtMs`.
 */
export function slotGaps(times, parallel, exitAtMs) {
  const starts = times.map((t) => t.started).sort((a, b) => a - b);
  const exits = times.map((t) => t.exited).sort((a, b) => a - b);
  const gaps = [];
  for (let k = 0; parallel + k < starts.length; k += 1) gaps.push(Math.max(0, starts[parallel + k] - exits[k]));
  return { gaps, medianGapMs: median(gaps), lastExitToProcessExitMs: exitAtMs - exits[exits.length - 1] };
}
