// 5  cold start: `mcp --version` vs `node -e 0`, alternating.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ms, round } from '../lib/format.mjs';
import { benchEnv } from '../lib/mcp-run.mjs';
import { MCP, NODE, REPO } from '../lib/paths.mjs';
import { measure, median } from '../lib/proc.mjs';
import { progress } from '../lib/progress.mjs';

export const id = 5;
export const title = 'cold start';
export const target = 'ratio <= 2';

export async function run({ work }) {
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
