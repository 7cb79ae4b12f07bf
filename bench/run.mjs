#!/usr/bin/env node
// `npm run bench`: what mcp costs, each figure measured in this run as a ratio against the
// same work done without it. Progress on stderr, the table on stdout, raw numbers in
// bench/results.json. Needs a build (npm run bench builds first).
//
//   1  orchestration overhead: 24 Codex tasks through `mcp run --parallel 4` vs the same
//      24 `codex exec` started by `xargs -P 4` (same scripted model, same CODEX_HOME)
//   2  log path: 200 MiB from a command task into runs/<id>/stdout.log vs `> file`
//   3  `mcp status --json` over 10,000 tasks vs `mcp --version`
//   4  supervisor RSS with 50 concurrent tasks
//   5  cold start: `mcp --version` vs `node -e 0`
//
// Environment: BENCH_REPS (runs per side of 1 and 2, default 3), BENCH_ONLY=1,3 (some sections),
// BENCH_KEEP=1 (keep the temporary directory).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineCpuSeconds, measure, median, ownCpuSeconds, SELF_RUSAGE_PRELOAD } from './lib/proc.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH_DIR, '..');
const MCP = path.join(REPO, 'dist/src/cli/main.js');
const CODEX = path.join(REPO, 'node_modules/.bin/codex');
const NODE = process.execPath;
const RESULTS = path.join(BENCH_DIR, 'results.json');
const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 3) || 3);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;
const T0 = performance.now();
const MiB = 1024 * 1024;

const progress = (message) => process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
const dist = (p) => pathToFileURL(path.join(REPO, 'dist/src', p)).href;

for (const [what, file] of [
  ['the built CLI (npm run build)', MCP],
  ['the pinned codex (npm ci)', CODEX],
]) {
  if (!existsSync(file)) {
    process.stderr.write(`bench: ${file} is missing: needs ${what}\n`);
    process.exit(2);
  }
}

const { startScriptedModel } = await import(dist('scripted-model/server.js'));
const { writeScriptedCodexHome, SCRIPTED_MODEL_KEY_ENV } = await import(dist('scripted-model/codex-home.js'));

const work = mkdtempSync(path.join(os.tmpdir(), 'mcp-bench-'));
let model = null;
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

// ---------------------------------------------------------------- helpers

function sh(cwd, script, ...args) {
  return execFileSync('sh', ['-c', script, 'sh', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function plainProject(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'README.md'), '# bench project\n');
  return dir;
}

// The sections use git projects, the usual case. (Outside git a run first commits the
// project into a repository of its own, a fixed cost per run, then works the same way.)
function gitProject(dir) {
  plainProject(dir);
  sh(dir, 'git init -q -b main && git add -A && git -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false commit -qm init');
  return dir;
}

function writeJson(file, value) {
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

/** The env mcp and codex run with: the scripted model's Codex home, no user state dir. */
function benchEnv(codexHome) {
  const env = { ...process.env, MCP_CODEX_BIN: CODEX, NO_COLOR: '1' };
  if (codexHome) {
    env.CODEX_HOME = codexHome;
    env[SCRIPTED_MODEL_KEY_ENV] = 'scripted';
  }
  delete env.MCP_STATE_DIR;
  return env;
}

/** `mcp run … --json` with its own CPU recorded; returns the measurement and the parsed run. */
async function mcpRun(project, planFile, parallel, options = {}) {
  const tag = options.tag ?? 'run';
  const out = path.join(path.dirname(project), `${tag}.stdout.json`);
  const err = path.join(path.dirname(project), `${tag}.stderr.log`);
  const args = ['--import', SELF_RUSAGE_PRELOAD, MCP, 'run', '--plan', planFile, '--parallel', String(parallel), '--json'];
  if (options.stateDir) args.push('--state-dir', options.stateDir);
  const m = await measure(NODE, args, {
    cwd: project,
    env: options.env,
    stdoutFile: out,
    stderrFile: err,
    selfRusageFile: path.join(path.dirname(project), `${tag}.rusage.json`),
    sampleRssMs: options.sampleRssMs,
  });
  let run = null;
  try {
    run = JSON.parse(readFileSync(out, 'utf8')).run;
  } catch {
    /* reported below */
  }
  if (!run) throw new Error(`mcp run printed no run JSON (exit ${m.code}); stderr: ${readFileSync(err, 'utf8').slice(-2000)}`);
  const failed = run.tasks.filter((t) => t.status !== 'succeeded');
  if (m.code !== 0 || failed.length > 0) {
    throw new Error(`mcp run exited ${m.code}; ${failed.length} task(s) not succeeded, e.g. ${JSON.stringify(failed[0] ?? null)}`);
  }
  return { m, run };
}

function sha256File(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file, { highWaterMark: MiB })
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

const ms = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
const round = (v, d = 3) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toFixed(d)) : v);

// ---------------------------------------------------------------- 1. orchestration overhead

async function benchOverhead() {
  const N = 24;
  const P = 4;
  const MATCH = 'bench-overhead-task';
  const script = {
    rules: [{ match: MATCH, steps: [{ exec: 'echo bench-ok' }, { say: 'Ran the command; done.' }] }],
    fallback: [{ say: 'Done.' }],
  };
  model = await startScriptedModel(script);
  const codexHome = path.join(work, 'codex-home');
  writeScriptedCodexHome(codexHome, model.url);
  const env = benchEnv(codexHome);
  const dir = path.join(work, 'overhead');
  mkdirSync(dir);

  const objective = 'Bench: orchestration overhead';
  const ids = Array.from({ length: N }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
  const taskPrompt = (id) => `${MATCH} ${id}: run one trivial shell command, then say you are done.`;
  const planFile = writeJson(path.join(dir, 'plan.json'), { objective, tasks: ids.map((id) => ({ id, prompt: taskPrompt(id) })) });
  // The bare side gets byte for byte the prompt mcp writes to runs/<id>/prompt.md.
  let compose = null;
  try {
    compose = (await import(dist('agents/task-prompt.js'))).composeTaskPrompt;
  } catch {
    /* fall back to the plain prompt */
  }
  const fullPrompt = (id) => (compose ? compose({ objective, taskId: id, title: '', prompt: taskPrompt(id), acceptance: null, dependencies: [] }) : `${taskPrompt(id)}\n`);

  const modelCounts = () => {
    const records = model.records?.() ?? [];
    return { requests: model.stats().requests, says: records.filter((r) => r.step?.say !== undefined && r.userText?.includes(MATCH)).length };
  };

  // Warm-up (not timed): page in the codex binary and node for both sides alike.
  {
    const w = gitProject(path.join(dir, 'warmup'));
    writeFileSync(path.join(dir, 'warmup.prompt.md'), fullPrompt('t00'));
    const m = await measure(CODEX, ['exec', '--json', '--color', 'never', '--skip-git-repo-check', '-C', w, '-s', 'workspace-write', '-o', `${w}.last.md`, '-'], {
      cwd: dir,
      env,
      stdinFile: path.join(dir, 'warmup.prompt.md'),
      stdoutFile: `${w}.jsonl`,
    });
    if (m.code !== 0) throw new Error(`warm-up codex exec exited ${m.code}: ${m.stderr.slice(-1500)}`);
    progress(`overhead: warm-up codex exec ${ms(m.wallMs)}, ${m.treeCpuS.toFixed(2)} s CPU`);
  }

  // Concurrent `git worktree add` in one repository can fail inside git (mcp does not
  // serialise them, see section 4): such a run is recorded, shown, and run again afresh.
  const worktreeFailures = [];
  const runMcp = async (rep) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await runMcpOnce(`${rep}-${attempt}`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!message.includes('worktree') || attempt >= 3) throw error;
        worktreeFailures.push(message.slice(0, 600));
        progress(`overhead: mcp run failed on a git worktree race, running it again: ${message.slice(0, 300)}`);
      }
    }
  };
  const runMcpOnce = async (tag) => {
    const before = modelCounts();
    const project = gitProject(path.join(dir, `mcp-${tag}`, 'project'));
    const { m, run } = await mcpRun(project, planFile, P, { env, tag: 'mcp' });
    const after = modelCounts();
    if (run.tasks.length !== N) throw new Error(`mcp ran ${run.tasks.length} tasks, expected ${N}`);
    return { wallMs: m.wallMs, treeCpuS: m.treeCpuS, selfCpuS: m.selfCpuS, selfMaxRssKiB: m.selfMaxRssKiB, modelRequests: after.requests - before.requests, execRoundTrips: after.says - before.says };
  };

  // 24 prepared directories (git repos like mcp's worktrees, made before the clock starts),
  // the prompt of each beside it, and one shell pipeline that runs codex exactly as mcp does.
  const PIPELINE =
    'xargs -a "$1" -d "\\n" -P "$3" -n 1 sh -c \'exec "$0" exec --json --color never --skip-git-repo-check -C "$1" -s workspace-write -o "$1.last-message.md" - <"$1.prompt.md" >"$1.jsonl" 2>"$1.stderr.log"\' "$2"';
  const runBare = async (rep) => {
    const base = path.join(dir, `bare-${rep}`);
    const template = gitProject(path.join(base, '_template'));
    const dirs = ids.map((id) => {
      const d = path.join(base, id);
      cpSync(template, d, { recursive: true });
      writeFileSync(`${d}.prompt.md`, fullPrompt(id));
      return d;
    });
    const list = path.join(base, 'list.txt');
    writeFileSync(list, `${dirs.join('\n')}\n`);
    const before = modelCounts();
    const m = await measure('sh', ['-c', PIPELINE, 'bare', list, CODEX, String(P)], { cwd: base, env });
    const after = modelCounts();
    const completed = dirs.filter((d) => existsSync(`${d}.jsonl`) && readFileSync(`${d}.jsonl`, 'utf8').includes('"turn.completed"')).length;
    if (m.code !== 0 || completed !== N) throw new Error(`bare pipeline exited ${m.code}, ${completed}/${N} turns completed; ${m.stderr.slice(-1500)}`);
    return { wallMs: m.wallMs, treeCpuS: m.treeCpuS, modelRequests: after.requests - before.requests, execRoundTrips: after.says - before.says };
  };

  const mcpRuns = [];
  const bareRuns = [];
  // Alternating, and each pair in the other order (ABBA…), so a drift in machine speed
  // during the bench does not favour one side.
  for (let rep = 0; rep < REPS; rep += 1) {
    const order = rep % 2 === 0 ? ['mcp', 'bare'] : ['bare', 'mcp'];
    for (const side of order) {
      if (side === 'mcp') {
        const r = await runMcp(rep);
        mcpRuns.push(r);
        progress(`overhead: mcp  run ${rep + 1}/${REPS}: ${ms(r.wallMs)} wall, mcp itself ${r.selfCpuS?.toFixed(2)} s CPU, whole tree ${r.treeCpuS.toFixed(1)} s CPU, ${r.modelRequests} model requests`);
      } else {
        const r = await runBare(rep);
        bareRuns.push(r);
        progress(`overhead: bare run ${rep + 1}/${REPS}: ${ms(r.wallMs)} wall, whole tree ${r.treeCpuS.toFixed(1)} s CPU, ${r.modelRequests} model requests`);
      }
    }
  }
  await model.close();
  model = null;

  // Part of the extra CPU is git: replay, one after the other, the git commands mcp runs for
  // these tasks (src/workspace: per run rev-parse x2; per task rev-parse --verify, worktree
  // add -b, and status --porcelain before committing — nothing to commit here).
  const gitReplay = await (async () => {
    const project = gitProject(path.join(dir, 'git-replay', 'project'));
    const id = ['-c', 'user.name=mcp', '-c', 'user.email=mcp@localhost', '-c', 'commit.gpgsign=false'];
    const steps = [
      ['git', [...id, 'rev-parse', '--show-toplevel'], project],
      ['git', [...id, 'rev-parse', '--verify', 'HEAD^{commit}'], project],
    ];
    for (const t of ids) {
      const ws = path.join(project, '.mcp', 'runs', `rgitreplay-${t}`, 'workspace');
      steps.push(['git', [...id, 'rev-parse', '--verify', '--quiet', `refs/heads/mcp/rgitreplay-${t}`], project]);
      steps.push(['git', [...id, 'worktree', 'add', '-b', `mcp/rgitreplay-${t}`, ws, 'HEAD'], project]);
      steps.push(['git', [...id, 'status', '--porcelain'], ws]);
    }
    let cpuS = 0;
    let wallMs = 0;
    for (const [file, args, cwd] of steps) {
      const m = await measure(file, args, { cwd, env });
      cpuS += m.treeCpuS;
      wallMs += m.wallMs;
    }
    return { commands: steps.length, cpuS, wallMs };
  })();
  progress(`overhead: mcp's git commands replayed alone: ${gitReplay.commands} commands, ${gitReplay.cpuS.toFixed(2)} s CPU, ${ms(gitReplay.wallMs)} one after the other`);

  const mcpWall = median(mcpRuns.map((r) => r.wallMs));
  const bareWall = median(bareRuns.map((r) => r.wallMs));
  const ratio = mcpWall / bareWall;
  const mcpSelf = median(mcpRuns.map((r) => r.selfCpuS ?? NaN));
  const mcpTree = median(mcpRuns.map((r) => r.treeCpuS));
  const bareTree = median(bareRuns.map((r) => r.treeCpuS));
  return {
    id: 1,
    name: `orchestration overhead: ${N} codex tasks, parallel ${P}, wall (median of ${REPS})`,
    unit: 'ms',
    mcp: round(mcpWall, 1),
    baseline: round(bareWall, 1),
    baselineLabel: 'xargs -P 4 codex exec',
    ratio: round(ratio),
    target: 'ratio <= 1.10',
    pass: ratio <= 1.1,
    details: [
      `CPU (user+sys, median): whole tree ${mcpTree.toFixed(1)} s with mcp vs ${bareTree.toFixed(1)} s bare: ${mcpTree >= bareTree ? '+' : ''}${(mcpTree - bareTree).toFixed(1)} s (${(((mcpTree - bareTree) * 1000) / N).toFixed(0)} ms/task, CPU ratio ${(mcpTree / bareTree).toFixed(2)}) on ${os.availableParallelism()} CPUs`,
      `  of which the mcp process itself ${mcpSelf.toFixed(2)} s (${((mcpSelf * 1000) / N).toFixed(0)} ms/task), its git commands ~${gitReplay.cpuS.toFixed(2)} s (replayed alone), rest ${(mcpTree - bareTree - mcpSelf - gitReplay.cpuS).toFixed(2)} s (sh wrapper, PTY, noise)`,
      ...(worktreeFailures.length ? [`${worktreeFailures.length} mcp run(s) failed on concurrent \`git worktree add\` and were run again (not counted)`] : []),
    ],
    raw: {
      tasks: N,
      parallel: P,
      mcpRuns: mcpRuns.map((r) => ({ ...r, wallMs: round(r.wallMs, 1), treeCpuS: round(r.treeCpuS, 2), selfCpuS: round(r.selfCpuS, 3) })),
      bareRuns: bareRuns.map((r) => ({ ...r, wallMs: round(r.wallMs, 1), treeCpuS: round(r.treeCpuS, 2) })),
      mcpSelfCpuSMedian: round(mcpSelf),
      worktreeFailures,
      gitReplay: { commands: gitReplay.commands, cpuS: round(gitReplay.cpuS, 3), wallMs: round(gitReplay.wallMs, 1) },
      mcpTreeCpuSMedian: round(mcpTree, 2),
      bareTreeCpuSMedian: round(bareTree, 2),
      treeCpuRatio: round(mcpTree / bareTree),
      cpuMethod:
        'mcp itself: getrusage(RUSAGE_SELF) written at exit by bench/lib/self-rusage.mjs, preloaded with `node --import` into the mcp process only (all its threads, none of its children). Whole tree: delta of cutime+cstime in /proc/self/stat of the bench runner around the run (every reaped descendant: codex, git, sh).',
    },
  };
}

// ---------------------------------------------------------------- 2. log path

const CHUNK = 64 * 1024;
const CHUNKS = 3200; // 200 MiB
const LOG_BYTES = CHUNK * CHUNKS;
// 64 KiB writes of a known pattern, no newline (a PTY turns '\n' into '\r\n'): each chunk is
// its 8-digit index then the alphabet repeated. writeSync retries partial writes and EAGAIN.
const FLOOD = `const fs=require('fs');const C=${CHUNK},N=${CHUNKS};const p='abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';const b=Buffer.alloc(C);for(let i=0;i<C;i++)b[i]=p.charCodeAt(i%62);for(let n=0;n<N;n++){b.write(String(n).padStart(8,'0'),0,'latin1');let o=0;while(o<C){try{o+=fs.writeSync(1,b,o,C-o)}catch(e){if(e.code!=='EAGAIN')throw e}}}`;

function expectedFloodHash() {
  const p = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const b = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i += 1) b[i] = p.charCodeAt(i % 62);
  const hash = createHash('sha256');
  for (let n = 0; n < CHUNKS; n += 1) {
    b.write(String(n).padStart(8, '0'), 0, 'latin1');
    hash.update(b);
  }
  return hash.digest('hex');
}

async function benchLogPath() {
  const dir = path.join(work, 'logpath');
  mkdirSync(dir);
  const expected = expectedFloodHash();
  const planFile = writeJson(path.join(dir, 'plan.json'), { objective: 'Bench: log path', tasks: [{ id: 'flood', command: ['node', '-e', FLOOD] }] });
  const env = benchEnv(null);
  const mcpRuns = [];
  const directRuns = [];

  const runMcp = async (rep) => {
    const project = gitProject(path.join(dir, `mcp-${rep}`, 'project'));
    const { m, run } = await mcpRun(project, planFile, 1, { env, tag: 'mcp', sampleRssMs: 200 });
    const task = run.tasks[0];
    const taskDir = path.join(project, '.mcp', 'runs', task.id);
    const log = path.join(taskDir, 'stdout.log');
    const bytes = statSync(log).size;
    const hash = await sha256File(log);
    const events = readFileSync(path.join(taskDir, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const at = (pred) => {
      const e = events.find(pred);
      return e ? Date.parse(e.ts) : NaN;
    };
    const running = at((e) => e.type === 'state' && e.to === 'running');
    const started = at((e) => e.type === 'started');
    const exited = at((e) => e.type === 'exit');
    const ended = at((e) => e.type === 'state' && e.to === 'succeeded');
    const exitEvent = events.find((e) => e.type === 'exit');
    rmSync(path.join(dir, `mcp-${rep}`), { recursive: true, force: true });
    return {
      wallMs: m.wallMs,
      bytes,
      intact: bytes === LOG_BYTES && hash === expected,
      bytesCountedByMcp: exitEvent?.bytes ?? null,
      phasesMs: { workspaceAndSpawn: started - running, childRunning: exited - started, afterExitUntilSucceeded: ended - exited },
      selfCpuS: m.selfCpuS,
      maxSampledRssKiB: m.maxSampledRssKiB,
      selfMaxRssKiB: m.selfMaxRssKiB,
    };
  };
  const runDirect = async (rep) => {
    const out = path.join(dir, `direct-${rep}.out`);
    const m = await measure('sh', ['-c', 'exec node -e "$0" >"$1"', FLOOD, out], { cwd: dir, env });
    const bytes = statSync(out).size;
    const hash = await sha256File(out);
    rmSync(out, { force: true });
    if (m.code !== 0) throw new Error(`direct flood exited ${m.code}: ${m.stderr.slice(-500)}`);
    return { wallMs: m.wallMs, bytes, intact: bytes === LOG_BYTES && hash === expected };
  };

  for (let rep = 0; rep < REPS; rep += 1) {
    const order = rep % 2 === 0 ? ['mcp', 'direct'] : ['direct', 'mcp'];
    for (const side of order) {
      if (side === 'mcp') {
        const r = await runMcp(rep);
        mcpRuns.push(r);
        progress(
          `log path: mcp    run ${rep + 1}/${REPS}: ${ms(r.wallMs)}, ${r.bytes} bytes ${r.intact ? 'intact' : 'DIFFER'}; child ran ${ms(r.phasesMs.childRunning)}, exit->succeeded ${ms(r.phasesMs.afterExitUntilSucceeded)}; mcp RSS peak ${(r.selfMaxRssKiB / 1024).toFixed(0)} MiB`,
        );
      } else {
        const r = await runDirect(rep);
        directRuns.push(r);
        progress(`log path: direct run ${rep + 1}/${REPS}: ${ms(r.wallMs)}, ${r.bytes} bytes ${r.intact ? 'intact' : 'DIFFER'}`);
      }
    }
  }
  const mcpWall = median(mcpRuns.map((r) => r.wallMs));
  const directWall = median(directRuns.map((r) => r.wallMs));
  const lost = mcpRuns.filter((r) => !r.intact).length + directRuns.filter((r) => !r.intact).length;
  const mibps = (wallMs) => LOG_BYTES / MiB / (wallMs / 1000);
  const phase = (k) => median(mcpRuns.map((r) => r.phasesMs[k]));
  return {
    id: 2,
    name: `log path: ${LOG_BYTES / MiB} MiB command output, wall (median of ${REPS})`,
    unit: 'ms',
    mcp: round(mcpWall, 1),
    baseline: round(directWall, 1),
    baselineLabel: 'node … > file',
    ratio: round(mcpWall / directWall),
    target: 'no byte lost (ratio reported)',
    pass: lost === 0,
    details: [
      `throughput: mcp ${mibps(mcpWall).toFixed(0)} MiB/s end to end, direct ${mibps(directWall).toFixed(0)} MiB/s; every run ${lost === 0 ? 'byte-identical (size + sha256)' : `${lost} run(s) NOT identical`}`,
      `where mcp's time goes (median): child running ${ms(phase('childRunning'))} (${mibps(phase('childRunning')).toFixed(0)} MiB/s through the PTY), after child exit until "succeeded" ${ms(phase('afterExitUntilSucceeded'))}, rest (start-up, workspace, store) ${ms(mcpWall - phase('childRunning') - phase('afterExitUntilSucceeded'))}`,
      `mcp process during it: ${median(mcpRuns.map((r) => r.selfCpuS)).toFixed(2)} s CPU, peak RSS ${(median(mcpRuns.map((r) => r.selfMaxRssKiB)) / 1024).toFixed(0)} MiB (getrusage), ${(median(mcpRuns.map((r) => r.maxSampledRssKiB)) / 1024).toFixed(0)} MiB (VmRSS sampled every 200 ms)`,
    ],
    raw: {
      bytesProduced: LOG_BYTES,
      writeSize: CHUNK,
      expectedSha256: expected,
      mcpRuns: mcpRuns.map((r) => ({ ...r, wallMs: round(r.wallMs, 1), selfCpuS: round(r.selfCpuS) })),
      directRuns: directRuns.map((r) => ({ ...r, wallMs: round(r.wallMs, 1) })),
      mcpMiBps: round(mibps(mcpWall), 1),
      directMiBps: round(mibps(directWall), 1),
    },
  };
}

// ---------------------------------------------------------------- 3. status over 10,000 tasks

async function benchStatus() {
  const TOTAL = 10_000;
  const RUNS = 10;
  const dir = path.join(work, 'status');
  const project = gitProject(path.join(dir, 'project'));
  const env = benchEnv(null);
  const planFile = writeJson(path.join(dir, 'plan.json'), { objective: 'Bench: status', tasks: [{ id: 'seed', command: ['node', '-e', '0'] }] });
  await mcpRun(project, planFile, 1, { env, tag: 'seed' });

  // Fill the store the project created: copy its one run and one task row (every column, as
  // the schema of src/store/database.ts has them) into 10 runs of 1,000 tasks.
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path.join(project, '.mcp', 'store', 'tasks.db'));
  const seedRun = db.prepare('SELECT * FROM runs').get();
  const seedTask = db.prepare('SELECT * FROM tasks').get();
  const insert = (table, row) => {
    const cols = Object.keys(row);
    db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row);
  };
  const perRun = TOTAL / RUNS;
  db.transaction(() => {
    for (let r = 0; r < RUNS; r += 1) {
      const runId = r === 0 ? seedRun.id : `rbench${String(r).padStart(3, '0')}`;
      if (r > 0) insert('runs', { ...seedRun, id: runId, created_at: new Date(Date.parse(seedRun.created_at) - r * 60_000).toISOString() });
      for (let t = r === 0 ? 1 : 0; t < perRun; t += 1) {
        const key = `t${t}`;
        const id = `${runId}-${key}`;
        insert('tasks', { ...seedTask, id, run_id: runId, key, position: t, workspace: seedTask.workspace ? path.join(path.dirname(path.dirname(seedTask.workspace)), id, 'workspace') : null });
      }
    }
  })();
  const count = db.prepare('SELECT count(*) AS n FROM tasks').get().n;
  db.close();
  if (count !== TOTAL) throw new Error(`store holds ${count} tasks, expected ${TOTAL}`);

  const out = path.join(dir, 'status.json');
  const check = await measure(NODE, [MCP, 'status', '--json'], { cwd: project, env, stdoutFile: out });
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  const seen = doc.runs.reduce((n, r) => n + r.tasks.length, 0);
  if (check.code !== 0 || seen !== TOTAL) throw new Error(`mcp status --json exited ${check.code} and listed ${seen} tasks, expected ${TOTAL}`);
  const outputBytes = statSync(out).size;
  progress(`status: store of ${count} tasks in ${RUNS} runs; status --json prints ${(outputBytes / MiB).toFixed(1)} MiB`);

  const status = [];
  const version = [];
  for (let i = 0; i < RUNS; i += 1) {
    const pair = [
      async () => status.push((await measure(NODE, [MCP, 'status', '--json'], { cwd: project, env, stdoutFile: out })).wallMs),
      async () => version.push((await measure(NODE, [MCP, '--version'], { cwd: project, env, stdoutFile: path.join(dir, 'version.txt') })).wallMs),
    ];
    if (i % 2) pair.reverse();
    for (const f of pair) await f();
  }
  const s = median(status);
  const v = median(version);
  progress(`status: status --json median ${ms(s)}, --version median ${ms(v)}`);

  // Extra (informative, no target): a 1-task run in this 10,000-task state root vs in an
  // empty one, alternating. The supervisor rewrites store/snapshot.json with every run of the
  // state root after each change, so its cost grows with history.
  const small = [];
  const big = [];
  const freshRoot = path.join(dir, 'fresh-state');
  await mcpRun(project, planFile, 1, { env, tag: 'fresh-warmup', stateDir: freshRoot });
  for (let i = 0; i < 3; i += 1) {
    const pair = [
      async () => big.push((await mcpRun(project, planFile, 1, { env, tag: `big-${i}` })).m.wallMs),
      async () => small.push((await mcpRun(project, planFile, 1, { env, tag: `small-${i}`, stateDir: freshRoot })).m.wallMs),
    ];
    if (i % 2) pair.reverse();
    for (const f of pair) await f();
  }
  progress(`status: 1-task mcp run in the 10,000-task root ${ms(median(big))}, in an empty root ${ms(median(small))}`);

  return {
    id: 3,
    name: `mcp status --json, ${TOTAL} tasks in ${RUNS} runs (median of ${RUNS})`,
    unit: 'ms',
    mcp: round(s, 1),
    baseline: round(v, 1),
    baselineLabel: 'mcp --version',
    ratio: round(s / v),
    difference: round(s - v, 1),
    target: 'difference <= 100 ms',
    pass: s - v <= 100,
    details: [
      `difference ${ms(s - v)} over process start; output ${(outputBytes / MiB).toFixed(1)} MiB of JSON`,
      `extra: a 1-task \`mcp run\` takes ${ms(median(big))} in this state root vs ${ms(median(small))} in an empty one (median of 3)`,
    ],
    raw: { tasks: TOTAL, runs: RUNS, statusMs: status.map((x) => round(x, 1)), versionMs: version.map((x) => round(x, 1)), statusJsonBytes: outputBytes, oneTaskRunMs: { tenThousandTaskRoot: big.map((x) => round(x, 1)), emptyRoot: small.map((x) => round(x, 1)) } },
  };
}

// ---------------------------------------------------------------- 4. supervisor memory

async function benchMemory() {
  const N = 50;
  const IDLE_MS = 8000;
  const dir = path.join(work, 'memory');
  // Not a git project: 50 `git worktree add` at once in one repository race inside git
  // ("failed to read .git/worktrees/workspaceN/commondir") and some tasks fail, as mcp does
  // not serialise them. A plain project needs the state root outside it (mcp cannot copy a
  // project that contains its own state root), hence --state-dir.
  const project = plainProject(path.join(dir, 'project'));
  const env = benchEnv(null);
  const planFile = writeJson(path.join(dir, 'plan.json'), {
    objective: 'Bench: supervisor memory',
    tasks: Array.from({ length: N }, (_, i) => ({ id: `idle${i + 1}`, command: ['node', '-e', `setTimeout(()=>{},${IDLE_MS})`] })),
  });
  const { m, run } = await mcpRun(project, planFile, N, { env, tag: 'mcp', sampleRssMs: 200, stateDir: path.join(dir, 'state') });
  // How many tasks really ran at once: the largest overlap of [startedAt, endedAt].
  const edges = run.tasks.flatMap((t) => [
    [Date.parse(t.startedAt), 1],
    [Date.parse(t.endedAt), -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let maxLive = 0;
  for (const [, d] of edges) maxLive = Math.max(maxLive, (live += d));
  const maxSampled = m.maxSampledRssKiB / 1024;
  progress(`memory: ${N} tasks, ${maxLive} at once by the store's times, up to ${m.maxSampledChildren} live child processes of mcp; mcp VmRSS max ${maxSampled.toFixed(1)} MiB over ${m.rssSamples.length} samples, getrusage peak ${(m.selfMaxRssKiB / 1024).toFixed(1)} MiB`);
  return {
    id: 4,
    name: `supervisor RSS, ${N} concurrent command tasks (max of VmRSS every 200 ms)`,
    unit: 'MiB',
    mcp: round(maxSampled, 1),
    baseline: null,
    baselineLabel: '-',
    ratio: null,
    target: '<= 200 MiB',
    pass: maxSampled <= 200,
    details: [`${maxLive} tasks running at once (store times), up to ${m.maxSampledChildren} live child processes of mcp sampled; peak RSS by getrusage(RUSAGE_SELF) ${(m.selfMaxRssKiB / 1024).toFixed(1)} MiB; run wall ${ms(m.wallMs)}, mcp CPU ${m.selfCpuS?.toFixed(2)} s`],
    raw: { tasks: N, idleMs: IDLE_MS, maxConcurrent: maxLive, maxSampledChildren: m.maxSampledChildren, maxSampledRssKiB: m.maxSampledRssKiB, selfMaxRssKiB: m.selfMaxRssKiB, samples: m.rssSamples, wallMs: round(m.wallMs, 1), selfCpuS: round(m.selfCpuS) },
  };
}

// ---------------------------------------------------------------- 5. cold start

async function benchColdStart() {
  const RUNS = 15;
  const dir = path.join(work, 'cold');
  mkdirSync(dir);
  const env = benchEnv(null);
  const expectedVersion = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version;
  const mcp = [];
  const node = [];
  for (let i = 0; i < RUNS; i += 1) {
    const pair = [
      async () => {
        const m = await measure(NODE, [MCP, '--version'], { cwd: dir, env, captureStdout: true });
        if (m.code !== 0 || m.stdout.trim() !== expectedVersion) throw new Error(`mcp --version printed ${JSON.stringify(m.stdout)} (exit ${m.code})`);
        mcp.push(m.wallMs);
      },
      async () => node.push((await measure(NODE, ['-e', '0'], { cwd: dir, env })).wallMs),
    ];
    if (i % 2) pair.reverse();
    for (const f of pair) await f();
  }
  const a = median(mcp);
  const b = median(node);
  progress(`cold start: mcp --version ${ms(a)}, node -e 0 ${ms(b)}`);
  return {
    id: 5,
    name: `cold start: mcp --version (median of ${RUNS})`,
    unit: 'ms',
    mcp: round(a, 1),
    baseline: round(b, 1),
    baselineLabel: 'node -e 0',
    ratio: round(a / b),
    target: 'ratio <= 2',
    pass: a / b <= 2,
    details: [],
    raw: { mcpVersionMs: mcp.map((x) => round(x, 1)), nodeMs: node.map((x) => round(x, 1)) },
  };
}

// ---------------------------------------------------------------- main

function machine() {
  const cpus = os.cpus();
  let codexVersion = null;
  try {
    codexVersion = execFileSync(CODEX, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* reported as null */
  }
  return {
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? null,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemMiB: Math.round(os.totalmem() / MiB),
    codex: codexVersion,
    mcp: JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version,
    tmpdir: os.tmpdir(),
  };
}

function valueText(row, v) {
  if (v === null || v === undefined) return '-';
  return row.unit === 'ms' ? ms(v) : `${v} ${row.unit}`;
}

function table(rows, info, totalS) {
  const lines = [];
  lines.push(`mcp bench — ${info.cpus} CPUs (${info.cpuModel}), node ${info.node}, ${info.codex ?? 'codex ?'}, ${info.platform}; ${totalS.toFixed(0)} s in all`);
  lines.push('');
  const head = ['#', 'measure', 'mcp', 'baseline', 'vs', 'ratio', 'target', 'result'];
  const body = rows.map((r) =>
    r.error
      ? [String(r.id), r.name, '-', '-', '-', '-', r.target ?? '-', 'ERROR']
      : [String(r.id), r.name, valueText(r, r.mcp), valueText(r, r.baseline), r.baselineLabel, r.ratio === null ? '-' : r.ratio.toFixed(2), r.target, r.pass ? 'PASS' : 'FAIL'],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells) => cells.map((c, i) => (i === 2 || i === 3 || i === 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  lines.push(fmt(head));
  rows.forEach((r, i) => {
    lines.push(fmt(body[i]));
    for (const d of r.error ? [`error: ${r.error}`] : r.details) lines.push(`${' '.repeat(widths[0] + 2)}${d}`);
  });
  return lines.join('\n');
}

const sections = [
  ['1', 'orchestration overhead', benchOverhead, 'ratio <= 1.10'],
  ['2', 'log path', benchLogPath, 'no byte lost'],
  ['3', 'status over 10,000 tasks', benchStatus, 'difference <= 100 ms'],
  ['4', 'supervisor memory', benchMemory, '<= 200 MiB'],
  ['5', 'cold start', benchColdStart, 'ratio <= 2'],
];

const info = machine();
info.loadAverageAtStart = os.loadavg().map((x) => round(x, 2));
progress(`work dir ${work}; ${info.cpus} CPUs, node ${info.node}, ${info.codex}`);
const rows = [];
try {
  for (const [id, name, fn, target] of sections) {
    if (ONLY && !ONLY.has(id)) continue;
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
    try {
      const row = await fn();
      row.seconds = round((performance.now() - t) / 1000, 1);
      row.contention = contention();
      if (row.contention.otherShare > 0.05) {
        row.details.push(`note: other processes on this machine used ${(row.contention.otherShare * 100).toFixed(0)}% of its CPU during this measurement`);
      }
      rows.push(row);
    } catch (error) {
      progress(`${id}. ${name} FAILED: ${error instanceof Error ? error.stack : String(error)}`);
      rows.push({ id: Number(id), name, target, error: error instanceof Error ? error.message : String(error), pass: false, seconds: round((performance.now() - t) / 1000, 1) });
    } finally {
      if (model) {
        await model.close();
        model = null;
      }
    }
  }
} finally {
  cleanup();
}

const totalS = (performance.now() - T0) / 1000;
info.loadAverageAtEnd = os.loadavg().map((x) => round(x, 2));
writeFileSync(RESULTS, `${JSON.stringify({ date: new Date().toISOString(), totalSeconds: round(totalS, 1), reps: REPS, machine: info, results: rows }, null, 2)}\n`);
process.stdout.write(`${table(rows, info, totalS)}\n\nraw numbers: ${path.relative(process.cwd(), RESULTS) || RESULTS}\n`);
process.exitCode = rows.every((r) => r.pass) ? 0 : 1;
