// 4  supervisor RSS with 50 concurrent command tasks, VmRSS sampled every 200 ms.
import path from 'node:path';
import { ms, round } from '../lib/format.mjs';
import { benchEnv, mcpRun } from '../lib/mcp-run.mjs';
import { progress } from '../lib/progress.mjs';
import { plainProject, writeJson } from '../lib/project.mjs';

export const id = 4;
export const title = 'supervisor memory';
export const target = '<= 200 MiB';

export async function run({ work }) {
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
