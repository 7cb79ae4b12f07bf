// 6  cost that stays linear: mcp's own CPU per task with 1,000 command tasks (`node -e 0`)
//    at --parallel 8, against the same with 24; its peak RSS; `mcp status` while it runs;
//    and the wall time against `xargs -P 8` running the same 1,000 commands bare.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ms, round } from '../lib/format.mjs';
import { benchEnv } from '../lib/mcp-run.mjs';
import { MCP, NODE } from '../lib/paths.mjs';
import { measure, median, SELF_RUSAGE_PRELOAD } from '../lib/proc.mjs';
import { progress } from '../lib/progress.mjs';
import { gitProject, writeJson } from '../lib/project.mjs';

export const id = 6;
export const title = 'cost at scale';
export const target = 'CPU/task ratio <= 1.2, RSS <= 200 MiB, status during it <= 100 ms over --version';

const BIG = Math.max(50, Number(process.env.BENCH_SCALE_TASKS ?? 1000) || 1000);
const SMALL = 24;
const P = 8;
/**
 * `mcp status` / `mcp --version` pairs taken during the big run, one every 2 s from 15 s in.
 * Case 3 takes 10 on a quiet machine; under this load single pairs swing by hundreds of ms
 * either way (from -284 to +461 in one run), and a median wants more of them.
 */
const STATUS_PAIRS = 40;

function plan(dir, n) {
  return writeJson(path.join(dir, `plan-${n}.json`), {
    objective: `Bench: ${n} command tasks`,
    tasks: Array.from({ length: n }, (_, i) => ({ id: `c${i}`, command: ['node', '-e', '0'] })),
  });
}

/** One `mcp run` of the plan in a fresh git project, with its own CPU and RSS. */
async function runMcp(dir, tag, planFile, env, during) {
  const project = gitProject(path.join(dir, tag, 'project'));
  const out = path.join(dir, tag, 'out.json');
  const running = measure(NODE, ['--import', SELF_RUSAGE_PRELOAD, MCP, 'run', '--plan', planFile, '--parallel', String(P), '--json'], {
    cwd: project,
    env,
    stdoutFile: out,
    stderrFile: path.join(dir, tag, 'err.log'),
    selfRusageFile: path.join(dir, tag, 'rusage.json'),
    sampleRssMs: 500,
    timeoutMs: 1_800_000,
  });
  let ended = false;
  const end = () => {
    ended = true;
  };
  void running.then(end, end);
  const sideResults = during ? await during(project, () => !ended) : null;
  const m = await running;
  const run = JSON.parse(readFileSync(out, 'utf8')).run;
  const failed = run.tasks.filter((t) => t.status !== 'succeeded');
  if (m.code !== 0 || failed.length) throw new Error(`mcp run (${tag}) exited ${m.code}; ${failed.length} task(s) not succeeded, e.g. ${JSON.stringify(failed[0] ?? null)}`);
  return { m, run, project, sideResults };
}

/** Where each task's time went, from its events: waiting for a slot and workspace, its process, recording its work. */
function phases(project, run) {
  const wait = [];
  const proc = [];
  const record = [];
  for (const task of run.tasks) {
    const events = readFileSync(path.join(project, '.mcp', 'runs', task.id, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const at = (pred) => Date.parse(events.find(pred)?.ts ?? '');
    const ready = at((e) => e.type === 'state' && e.to === 'ready');
    const started = at((e) => e.type === 'started');
    const exited = at((e) => e.type === 'exit');
    const done = at((e) => e.type === 'state' && e.to === 'succeeded');
    wait.push(started - ready);
    proc.push(exited - started);
    record.push(done - exited);
  }
  return { readyToStartMs: median(wait), processMs: median(proc), exitToSucceededMs: median(record) };
}

export async function run({ work }) {
  const dir = path.join(work, 'scale');
  mkdirSync(dir);
  const env = benchEnv(null);

  // `mcp --version`: the floor `mcp status` is compared with.
  const versions = [];
  for (let i = 0; i < 5; i += 1) versions.push((await measure(NODE, [MCP, '--version'], { cwd: dir, env })).wallMs);
  const versionMs = median(versions);

  const small = [];
  for (let i = 0; i < 3; i += 1) {
    const r = await runMcp(dir, `small-${i}`, plan(dir, SMALL), env);
    small.push(r);
    progress(`scale: ${SMALL} tasks: ${ms(r.m.wallMs)} wall, mcp itself ${r.m.selfCpuS.toFixed(2)} s CPU (${((r.m.selfCpuS * 1000) / SMALL).toFixed(1)} ms/task)`);
    rmSync(path.join(dir, `small-${i}`), { recursive: true, force: true });
  }

  // While the big run goes, `mcp status --json` from another process next to `mcp --version`,
  // measured as the 10,000-task target is (case 3): pairs taken in turn, the order swapped
  // every pair, and the difference of the medians; the worst pair is reported too.
  const statusDuring = async (project, stillRunning) => {
    const pairs = [];
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    for (let i = 0; i < STATUS_PAIRS && stillRunning(); i += 1) {
      const pair = [
        async () => ({ versionMs: (await measure(NODE, [MCP, '--version'], { cwd: project, env })).wallMs }),
        async () => {
          const m = await measure(NODE, [MCP, 'status', '--json'], { cwd: project, env, stdoutFile: path.join(dir, `status-${i}.json`) });
          if (m.code !== 0) throw new Error(`mcp status --json during the run exited ${m.code}: ${m.stderr.slice(-500)}`);
          return { statusMs: m.wallMs };
        },
      ];
      if (i % 2) pair.reverse();
      const taken = {};
      for (const f of pair) Object.assign(taken, await f());
      // A pair that ends after the run did was not taken under its load.
      if (stillRunning()) pairs.push(taken);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    return pairs;
  };
  progress(`scale: ${BIG} tasks at --parallel ${P} (a few minutes)…`);
  const big = await runMcp(dir, 'big', plan(dir, BIG), env, statusDuring);
  const bigPhases = phases(big.project, big.run);
  progress(`scale: ${BIG} tasks: ${ms(big.m.wallMs)} wall, mcp itself ${big.m.selfCpuS.toFixed(2)} s CPU (${((big.m.selfCpuS * 1000) / BIG).toFixed(1)} ms/task), RSS peak ${(big.m.selfMaxRssKiB / 1024).toFixed(0)} MiB`);

  // The same commands without mcp: xargs -P 8, in the same kind of project.
  const bareDir = gitProject(path.join(dir, 'bare', 'project'));
  const list = path.join(dir, 'bare', 'list.txt');
  writeFileSync(list, `${Array.from({ length: BIG }, (_, i) => i).join('\n')}\n`);
  const bare = await measure('sh', ['-c', `xargs -a "$1" -P ${P} -n 1 sh -c 'exec node -e 0'`, 'bare', list], { cwd: bareDir, env, timeoutMs: 1_800_000 });
  if (bare.code !== 0) throw new Error(`bare xargs exited ${bare.code}: ${bare.stderr.slice(-500)}`);
  progress(`scale: bare xargs -P ${P} of ${BIG} node -e 0: ${ms(bare.wallMs)}`);

  const perTaskSmall = median(small.map((r) => (r.m.selfCpuS * 1000) / SMALL));
  const perTaskBig = (big.m.selfCpuS * 1000) / BIG;
  const ratio = perTaskBig / perTaskSmall;
  const rssMiB = Math.max(big.m.selfMaxRssKiB, big.m.maxSampledRssKiB ?? 0) / 1024;
  const pairs = big.sideResults ?? [];
  const statusOverMs = pairs.length ? median(pairs.map((p) => p.statusMs)) - median(pairs.map((p) => p.versionMs)) : NaN;
  const worstPairMs = pairs.length ? Math.max(...pairs.map((p) => p.statusMs - p.versionMs)) : NaN;
  const gitAndChildrenS = big.m.treeCpuS - big.m.selfCpuS;
  // Reported, no target: what the user waits for when that run's worktrees and branches go.
  const cleaned = await measure(NODE, [MCP, 'clean', '--json'], { cwd: big.project, env, captureStdout: true, timeoutMs: 1_800_000 });
  const cleanCounts = cleaned.code === 0 ? JSON.parse(cleaned.stdout).counts : null;
  progress(`scale: mcp clean of that run: ${ms(cleaned.wallMs)}, exit ${cleaned.code}${cleanCounts ? `, ${cleanCounts.worktrees} worktrees and ${cleanCounts.branches} branches` : ''}`);
  rmSync(path.join(dir, 'big'), { recursive: true, force: true });
  return {
    id: 6,
    name: `mcp CPU per task, ${BIG} command tasks vs ${SMALL} (parallel ${P})`,
    unit: 'ms',
    mcp: round(perTaskBig, 2),
    baseline: round(perTaskSmall, 2),
    baselineLabel: `${SMALL} tasks (median of 3)`,
    ratio: round(ratio),
    target: 'ratio <= 1.2, RSS <= 200 MiB, status during it <= 100 ms over --version',
    pass: ratio <= 1.2 && rssMiB <= 200 && statusOverMs <= 100,
    details: [
      `peak RSS of mcp ${rssMiB.toFixed(0)} MiB; \`mcp status --json\` during the run, ${
        pairs.length
          ? `${pairs.length} pairs: median ${ms(median(pairs.map((p) => p.statusMs)))} vs \`mcp --version\` ${ms(median(pairs.map((p) => p.versionMs)))}, ${statusOverMs >= 0 ? '+' : ''}${statusOverMs.toFixed(0)} ms (target 100); pairs from ${Math.min(...pairs.map((p) => p.statusMs - p.versionMs)).toFixed(0)} to +${worstPairMs.toFixed(0)} ms`
          : 'not measured: the run ended before the first pair (15 s in)'
      } (--version on a quiet machine: ${ms(versionMs)})`,
      `wall: mcp ${ms(big.m.wallMs)} vs xargs -P ${P} ${ms(bare.wallMs)} (${(big.m.wallMs / bare.wallMs).toFixed(1)}x); per task (median): ready to process start ${ms(bigPhases.readyToStartMs)}, the process ${ms(bigPhases.processMs)}, exit to succeeded ${ms(bigPhases.exitToSucceededMs)}`,
      `\`mcp clean\` of that run: ${ms(cleaned.wallMs)}${cleanCounts ? ` (${cleanCounts.worktrees} worktrees and ${cleanCounts.branches} branches removed)` : `, exit ${cleaned.code}: ${cleaned.stderr.trim().slice(-300)}`}`,
      `CPU: mcp itself ${big.m.selfCpuS.toFixed(1)} s, everything it started ${gitAndChildrenS.toFixed(1)} s (${BIG} node -e 0, and mcp's git: a worktree and a status per task; \`git worktree add\` reads every worktree already registered, so it slows as they pile up), bare xargs ${bare.treeCpuS.toFixed(1)} s`,
    ],
    raw: {
      tasks: BIG,
      parallel: P,
      smallRuns: small.map((r) => ({ wallMs: round(r.m.wallMs, 1), selfCpuS: round(r.m.selfCpuS, 3), treeCpuS: round(r.m.treeCpuS, 2) })),
      big: { wallMs: round(big.m.wallMs, 1), selfCpuS: round(big.m.selfCpuS, 3), treeCpuS: round(big.m.treeCpuS, 2), selfMaxRssKiB: big.m.selfMaxRssKiB, maxSampledRssKiB: big.m.maxSampledRssKiB, phases: bigPhases },
      statusDuringMs: big.sideResults,
      clean: { wallMs: round(cleaned.wallMs, 1), code: cleaned.code, counts: cleanCounts },
      statusOverVersionMs: round(statusOverMs, 1),
      versionMs: round(versionMs, 1),
      bare: { wallMs: round(bare.wallMs, 1), treeCpuS: round(bare.treeCpuS, 2) },
    },
  };
}
