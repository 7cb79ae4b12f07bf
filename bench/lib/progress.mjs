// Progress lines on stderr, stamped with the seconds since the bench started (this module's
// first load, at the start of bench/run.mjs).
import { performance } from 'node:perf_hooks';

const T0 = performance.now();

export const elapsedSeconds = () => (performance.now() - T0) / 1000;

export const progress = (message) => process.stderr.write(`[bench ${elapsedSeconds().toFixed(1).padStart(6)}s] ${message}\n`);
