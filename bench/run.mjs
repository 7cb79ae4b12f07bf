#!/usr/bin/env node
// `npm run bench`: what mcp costs, each figure measured in this run as a ratio against the
// same work done without it. Progress on stderr, the table on stdout, raw numbers in
// bench/results.json. Needs a build (npm run bench builds first).
//
// One case a file in bench/cases/, shared helpers in bench/lib/:
//   1  orchestration overhead: 24 Codex tasks through `mcp run --parallel 4` vs the same
//      24 `codex exec` started by `xargs -P 4` (same scripted model, same CODEX_HOME); from
//      the same runs, idle slot time per task and the last task's end to mcp's exit
//   2  log path: 200 MiB from a command task into runs/<id>/stdout.log vs `script`, and `> file`
//   3  `mcp status --json` over 10,000 tasks vs `mcp --version`
//   4  supervisor RSS with 50 concurrent tasks
//   5  cold start: `mcp --version` vs `node -e 0`
//   6  cost at scale: mcp's CPU per task with 1,000 command tasks vs 24, RSS, status meanwhile
//
// Environment: BENCH_REPS (rounds of 1, default 3; runs per side of 2: twice as many plus one),
// BENCH_ONLY=1,3 (some sections), BENCH_KEEP=1 (keep the temporary directory).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { elapsedSeconds, progress } from './lib/progress.mjs';
import { round } from './lib/format.mjs';
import { machine } from './lib/machine.mjs';
import { CODEX, MCP } from './lib/paths.mjs';
import { machineCpuSeconds, ownCpuSeconds } from './lib/proc.mjs';
import { table } from './lib/table.mjs';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');
const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 3) || 3);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;

for (const [what, file] of [
  ['the built CLI (npm run build)', MCP],
  ['the pinned codex (npm ci)', CODEX],
]) {
  if (!existsSync(file)) {
    process.stderr.write(`bench: ${file} is missing: needs ${what}\n`);
    process.exit(2);
  }
}

// Imported only now: the cases load modules of the build checked for above.
const cases = await Promise.all(['overhead', 'log-path', 'status', 'memory', 'cold-start', 'scale'].map((name) => import(`./cases/${name}.mjs`)));

const work = mkdtempSync(path.join(os.tmpdir(), 'mcp-bench-'));
const cleanup = () => {
  if (process.env.BENCH_KEEP === '1') progress(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });
}

const info = machine();
info.loadAverageAtStart = os.loadavg().map((x) => round(x, 2));
progress(`work dir ${work}; ${info.cpus} CPUs, node ${info.node}, ${info.codex}`);
const rows = [];
try {
  for (const { id, title: name, target, run } of cases) {
    if (ONLY && !ONLY.has(String(id))) continue;
    progress(`${id}. ${name}`);
    const t = performance.now();
    const machine0 = machineCpuSeconds();
    const own0 = ownCpuSeconds();
    // Other people's processes on this machine skew every figure: say how much CPU they took.
    const contention = () => {
      const m = machineCpuSeconds();
      const totalS = m.totalS - machine0.totalS;
      const otherS = Math.max(0, m.busyS - machine0.busyS - (ownCpuSeconds() - own0));
      return { otherProcessesCpuS: round(otherS, 1), machineCpuS: round(totalS, 1), otherShare: round(otherS / totalS, 3) };
    };
    // A case that starts a scripted model server keeps it here until it closes it itself.
    const ctx = { work, reps: REPS, model: null };
    try {
      const row = await run(ctx);
      row.seconds = round((performance.now() - t) / 1000, 1);
      row.contention = contention();
      if (row.contention.otherShare > 0.05) {
        row.details.push(`note: other processes on this machine used ${(row.contention.otherShare * 100).toFixed(0)}% of its CPU during this measurement`);
      }
      const { extraRows = [], ...main } = row;
      rows.push(main);
      // A case may measure more than one figure in the same runs: each is a row of its own.
      for (const extra of extraRows) rows.push({ ...extra, seconds: 0, contention: main.contention });
    } catch (error) {
      progress(`${id}. ${name} FAILED: ${error instanceof Error ? error.stack : String(error)}`);
      rows.push({ id, name, target, error: error instanceof Error ? error.message : String(error), pass: false, seconds: round((performance.now() - t) / 1000, 1) });
    } finally {
      if (ctx.model) {
        await ctx.model.close();
        ctx.model = null;
      }
    }
  }
} finally {
  cleanup();
}

const totalS = elapsedSeconds();
info.loadAverageAtEnd = os.loadavg().map((x) => round(x, 2));
writeFileSync(RESULTS, `${JSON.stringify({ date: new Date().toISOString(), totalSeconds: round(totalS, 1), reps: REPS, machine: info, results: rows }, null, 2)}\n`);
process.stdout.write(`${table(rows, info, totalS)}\n\nraw numbers: ${path.relative(process.cwd(), RESULTS) || RESULTS}\n`);
process.exitCode = rows.every((r) => r.pass) ? 0 : 1;
