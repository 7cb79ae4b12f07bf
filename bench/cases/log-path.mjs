// 2  log path: 200 MiB from a command task into runs/<id>/stdout.log vs the same output
//    through a PTY without mcp (`script -qfec CMD /dev/null > file`), and vs `> file`; every
//    byte checked (size and sha256) on every side.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { MiB, ms, round } from '../lib/format.mjs';
import { benchEnv, mcpRun } from '../lib/mcp-run.mjs';
import { measure, median } from '../lib/proc.mjs';
import { progress } from '../lib/progress.mjs';
import { gitProject, writeJson } from '../lib/project.mjs';

export const id = 2;
export const title = 'log path';
export const target = 'ratio <= 1.3 vs script, no byte lost';

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

function sha256File(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file, { highWaterMark: MiB })
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

export async function run({ work, reps: baseReps }) {
  // A run is a few seconds, and the machine's noise moves one by a few hundred ms either way:
  // more runs a side than the expensive sections take, for a median that holds still.
  const reps = baseReps * 2 + 1;
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
  // The PTY path without mcp: util-linux `script` runs the same flood in a PTY and copies it
  // to its stdout. `-e` keeps the child's exit code, `-f` flushes as it goes, `-q` adds nothing.
  const runScript = async (rep) => {
    const out = path.join(dir, `script-${rep}.out`);
    const m = await measure('sh', ['-c', 'exec script -qfec "$0" /dev/null >"$1"', `${process.execPath} -e "${FLOOD.replace(/"/g, '\\"')}"`, out], { cwd: dir, env });
    const bytes = statSync(out).size;
    const hash = await sha256File(out);
    rmSync(out, { force: true });
    if (m.code !== 0) throw new Error(`script flood exited ${m.code}: ${m.stderr.slice(-500)}`);
    return { wallMs: m.wallMs, bytes, intact: bytes === LOG_BYTES && hash === expected };
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

  const scriptRuns = [];
  for (let rep = 0; rep < reps; rep += 1) {
    const order = rep % 2 === 0 ? ['mcp', 'script', 'direct'] : ['direct', 'script', 'mcp'];
    for (const side of order) {
      if (side === 'script') {
        const r = await runScript(rep);
        scriptRuns.push(r);
        progress(`log path: script run ${rep + 1}/${reps}: ${ms(r.wallMs)}, ${r.bytes} bytes ${r.intact ? 'intact' : 'DIFFER'}`);
        continue;
      }
      if (side === 'mcp') {
        const r = await runMcp(rep);
        mcpRuns.push(r);
        progress(
          `log path: mcp    run ${rep + 1}/${reps}: ${ms(r.wallMs)}, ${r.bytes} bytes ${r.intact ? 'intact' : 'DIFFER'}; child ran ${ms(r.phasesMs.childRunning)}, exit->succeeded ${ms(r.phasesMs.afterExitUntilSucceeded)}; mcp RSS peak ${(r.selfMaxRssKiB / 1024).toFixed(0)} MiB`,
        );
      } else {
        const r = await runDirect(rep);
        directRuns.push(r);
        progress(`log path: direct run ${rep + 1}/${reps}: ${ms(r.wallMs)}, ${r.bytes} bytes ${r.intact ? 'intact' : 'DIFFER'}`);
      }
    }
  }
  const mcpWall = median(mcpRuns.map((r) => r.wallMs));
  const directWall = median(directRuns.map((r) => r.wallMs));
  const scriptWall = median(scriptRuns.map((r) => r.wallMs));
  const lost = mcpRuns.filter((r) => !r.intact).length + directRuns.filter((r) => !r.intact).length + scriptRuns.filter((r) => !r.intact).length;
  const mibps = (wallMs) => LOG_BYTES / MiB / (wallMs / 1000);
  const phase = (k) => median(mcpRuns.map((r) => r.phasesMs[k]));
  return {
    id: 2,
    name: `log path: ${LOG_BYTES / MiB} MiB command output, wall (median of ${reps})`,
    unit: 'ms',
    mcp: round(mcpWall, 1),
    baseline: round(scriptWall, 1),
    baselineLabel: 'script -qfec CMD',
    ratio: round(mcpWall / scriptWall),
    target: 'ratio <= 1.3, no byte lost',
    pass: lost === 0 && mcpWall / scriptWall <= 1.3,
    details: [
      `throughput: mcp ${mibps(mcpWall).toFixed(0)} MiB/s end to end, the same PTY path without mcp (script) ${mibps(scriptWall).toFixed(0)} MiB/s, straight to a file ${mibps(directWall).toFixed(0)} MiB/s (mcp ${(mcpWall / directWall).toFixed(2)}x of it); every run ${lost === 0 ? 'byte-identical (size + sha256)' : `${lost} run(s) NOT identical`}`,
      `where mcp's time goes (median): child running ${ms(phase('childRunning'))} (${mibps(phase('childRunning')).toFixed(0)} MiB/s through the PTY), after child exit until "succeeded" ${ms(phase('afterExitUntilSucceeded'))}, rest (start-up, workspace, store) ${ms(mcpWall - phase('childRunning') - phase('afterExitUntilSucceeded'))}`,
      `mcp process during it: ${median(mcpRuns.map((r) => r.selfCpuS)).toFixed(2)} s CPU, peak RSS ${(median(mcpRuns.map((r) => r.selfMaxRssKiB)) / 1024).toFixed(0)} MiB (getrusage), ${(median(mcpRuns.map((r) => r.maxSampledRssKiB)) / 1024).toFixed(0)} MiB (VmRSS sampled every 200 ms)`,
    ],
    raw: {
      bytesProduced: LOG_BYTES,
      writeSize: CHUNK,
      expectedSha256: expected,
      mcpRuns: mcpRuns.map((r) => ({ ...r, wallMs: round(r.wallMs, 1), selfCpuS: round(r.selfCpuS) })),
      directRuns: directRuns.map((r) => ({ ...r, wallMs: round(r.wallMs, 1) })),
      scriptRuns: scriptRuns.map((r) => ({ ...r, wallMs: round(r.wallMs, 1) })),
      scriptMiBps: round(mibps(scriptWall), 1),
      mcpMiBps: round(mibps(mcpWall), 1),
      directMiBps: round(mibps(directWall), 1),
    },
  };
}
