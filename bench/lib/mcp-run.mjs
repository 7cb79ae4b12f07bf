// Running `mcp run` as the cases do: the environment it and codex get, and one measured run.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CODEX, dist, MCP, NODE } from './paths.mjs';
import { measure, SELF_RUSAGE_PRELOAD } from './proc.mjs';

const { SCRIPTED_MODEL_KEY_ENV } = await import(dist('scripted-model/codex-home.js'));

/** The env mcp and codex run with: the scripted model's Codex home, no user state dir. */
/**
 * mcp masks the values of secret-looking variables in every log, and scans every chunk of
 * output for them: every machine's run masks this one, of a real API key's length, whatever
 * its own environment holds.
 */
const BENCH_SECRET = { MCP_BENCH_API_KEY: 'sk-bench-3f9c2a7e41d05b86c9e2f7a1d4b08e6c5a3f1d9b27e4c8a0' };

export function benchEnv(codexHome) {
  const env = { ...process.env, ...BENCH_SECRET, MCP_CODEX_BIN: CODEX, NO_COLOR: '1' };
  if (codexHome) {
    env.CODEX_HOME = codexHome;
    env[SCRIPTED_MODEL_KEY_ENV] = 'scripted';
  }
  delete env.MCP_STATE_DIR;
  return env;
}

/** `mcp run … --json` with its own CPU recorded; returns the measurement and the parsed run. */
export async function mcpRun(project, planFile, parallel, options = {}) {
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
