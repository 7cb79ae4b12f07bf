import { createRequire } from 'node:module';
import type * as NodePty from 'node-pty';

export type { IPty } from 'node-pty';

const require = createRequire(import.meta.url);
let loaded: typeof NodePty | undefined;

/**
 * node-pty, loaded when the first PTY is made rather than when mcp starts: its files and
 * native addon take about 10 ms to load, and a run's first PTY is made while git creates
 * the task's workspace in another process, where those milliseconds cost nothing.
 */
export function nodePty(): typeof NodePty {
  loaded ??= require('node-pty') as typeof NodePty;
  return loaded;
}
