// Process measurement helpers for the bench cases: wall time, CPU of a whole process tree,
// CPU and peak memory of one process, and RSS sampling from /proc.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

export const SELF_RUSAGE_PRELOAD = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'self-rusage.mjs')).href;

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* Linux default */
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU seconds (user+sys) of every child this runner has reaped so far, and of their reaped
 * descendants: fields cutime+cstime of /proc/self/stat. The delta around one child run is
 * that child's whole tree (the kernel adds a waited-for process's own cutime to its parent's),
 * as long as the runner runs one child at a time — which it does.
 */
export function reapedChildrenCpuSeconds() {
  const f = statFields('self');
  // After ')' the fields start at 3 (state); cutime is field 16, cstime 17.
  return (Number(f[16 - 3]) + Number(f[17 - 3])) / clockTicks;
}

/** CPU seconds the whole machine spent busy and in all, since boot (first line of /proc/stat). */
export function machineCpuSeconds() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  return { busyS: busy / clockTicks, totalS: (busy + idle + iowait) / clockTicks };
}

/** CPU seconds of this runner and of everything it has reaped. */
export function ownCpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6 + reapedChildrenCpuSeconds();
}

export function rssKiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** How many processes have `pid` as parent right now (from /proc/<pid>/task/<tid>/children). */
export function childCount(pid) {
  try {
    let n = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      n += readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).length;
    }
    return n;
  } catch {
    return null;
  }
}

/**
 * Runs one process to its end and measures it.
 * - wallMs: spawn to exit (performance.now()).
 * - treeCpuS: CPU of the process and everything it reaped (see reapedChildrenCpuSeconds).
 * - selfRusage: when `selfRusageFile` is given the caller has put SELF_RUSAGE_PRELOAD on the
 *   node command line; this is the file it wrote (RUSAGE_SELF of that process only).
 * - rss: when sampleRssMs is given, VmRSS of that one pid (not its children) every N ms,
 *   with the number of its live child processes at that moment.
 */
export function measure(file, args, options = {}) {
  const { cwd, env = process.env, stdoutFile, stderrFile, sampleRssMs, selfRusageFile, stdinFile, timeoutMs = 600_000 } = options;
  const fds = [];
  const open = (f, flags) => {
    const fd = openSync(f, flags);
    fds.push(fd);
    return fd;
  };
  const stdio = [stdinFile ? open(stdinFile, 'r') : 'ignore', stdoutFile ? open(stdoutFile, 'w') : options.captureStdout ? 'pipe' : 'ignore', stderrFile ? open(stderrFile, 'w') : 'pipe'];
  if (selfRusageFile) rmSync(selfRusageFile, { force: true });
  return new Promise((resolve, reject) => {
    const cpu0 = reapedChildrenCpuSeconds();
    const t0 = performance.now();
    const child = spawn(file, args, { cwd, env: selfRusageFile ? { ...env, MCP_BENCH_RUSAGE_OUT: selfRusageFile } : env, stdio });
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (d) => {
      if (stderr.length < 64 * 1024) stderr += d.toString();
    });
    child.stdout?.on('data', (d) => (stdout += d.toString()));
    const samples = [];
    let sampler;
    if (sampleRssMs) {
      const sample = () => {
        const kib = rssKiB(child.pid);
        if (kib !== null) samples.push({ tMs: Math.round(performance.now() - t0), kib, children: childCount(child.pid) });
      };
      sampler = setInterval(sample, sampleRssMs);
      setImmediate(sample);
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ').slice(0, 200)} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      clearInterval(sampler);
      reject(error);
    });
    let wallMs = 0;
    let exitAtMs = 0;
    child.on('exit', () => {
      wallMs = performance.now() - t0;
      exitAtMs = Date.now();
      clearInterval(sampler);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const treeCpuS = reapedChildrenCpuSeconds() - cpu0;
      for (const fd of fds) closeSync(fd);
      let selfRusage = null;
      if (selfRusageFile && existsSync(selfRusageFile)) selfRusage = JSON.parse(readFileSync(selfRusageFile, 'utf8')).resourceUsage;
      resolve({
        code,
        signal,
        pid: child.pid,
        wallMs,
        /** Wall-clock time of the exit (epoch ms), to compare with the times the process wrote. */
        exitAtMs,
        treeCpuS,
        selfCpuS: selfRusage ? (selfRusage.userCPUTime + selfRusage.systemCPUTime) / 1e6 : null,
        selfMaxRssKiB: selfRusage ? selfRusage.maxRSS : null,
        rssSamples: samples,
        maxSampledRssKiB: samples.length ? Math.max(...samples.map((s) => s.kib)) : null,
        maxSampledChildren: samples.length ? Math.max(...samples.map((s) => s.children ?? 0)) : null,
        stdout,
        stderr,
      });
    });
  });
}

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
