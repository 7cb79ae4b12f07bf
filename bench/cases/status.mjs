// 3  `mcp status --json` over 10,000 tasks (10 runs of 1,000, copied into the store of a real
//    run) vs `mcp --version`; and, for information, a 1-task run in that state root vs an empty one.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MiB, ms, round } from '../lib/format.mjs';
import { benchEnv, mcpRun } from '../lib/mcp-run.mjs';
import { MCP, NODE } from '../lib/paths.mjs';
import { measure, median } from '../lib/proc.mjs';
import { progress } from '../lib/progress.mjs';
import { gitProject, writeJson } from '../lib/project.mjs';

export const id = 3;
export const title = 'status over 10,000 tasks';
export const target = 'difference <= 100 ms';

export async function run({ work }) {
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
