#!/usr/bin/env node
// `npm run demo`: a real orchestration: Codex plans the example objective, then runs it. With no OpenAI account
// configured for Codex, the real `codex` binary runs against the scripted model server
// embedded in this project (loopback only); with one (or with --real), your own Codex
// configuration is used. Pass --scripted to force the scripted model.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(repo, 'dist/src', p);
const { startScriptedModel } = await import(dist('scripted-model/server.js'));
const { writeScriptedCodexHome, SCRIPTED_MODEL_KEY_ENV } = await import(dist('scripted-model/codex-home.js'));

const args = process.argv.slice(2);
const codexHome = process.env.CODEX_HOME ?? path.join(os.homedir(), '.codex');
const hasAccount = Boolean(process.env.OPENAI_API_KEY) || existsSync(path.join(codexHome, 'auth.json'));
const scripted = args.includes('--scripted') || (!hasAccount && !args.includes('--real'));

const work = mkdtempSync(path.join(os.tmpdir(), 'mcp-demo-'));
const project = path.join(work, 'demo project');
mkdirSync(project);
writeFileSync(path.join(project, 'README.md'), '# demo project\n');
await run('git', ['init', '-q', '-b', 'main'], project);
await run('git', ['add', '-A'], project);
await run('git', ['-c', 'user.name=demo', '-c', 'user.email=demo@localhost', 'commit', '-qm', 'demo project'], project);

const env = { ...process.env, MCP_CODEX_BIN: process.env.MCP_CODEX_BIN ?? path.join(repo, 'node_modules/.bin/codex') };
let model;
if (scripted) {
  const script = JSON.parse(readFileSync(path.join(repo, 'examples/demo-script.json'), 'utf8'));
  // The scripted planner answers the objective with the example plan.
  const plan = JSON.parse(readFileSync(path.join(repo, 'examples/demo-plan.json'), 'utf8'));
  script.rules.unshift({ match: `Objective: ${plan.objective}`, steps: [{ say: JSON.stringify(plan) }] });
  model = await startScriptedModel(script);
  env.CODEX_HOME = path.join(work, 'codex-home');
  // Any value will do; one that appears in no output, since mcp masks it wherever it does.
  env[SCRIPTED_MODEL_KEY_ENV] = 'mcp-demo-key-7f3c9a';
  writeScriptedCodexHome(env.CODEX_HOME, model.url);
  console.log(`demo: real codex (${env.MCP_CODEX_BIN}) against the scripted model at ${model.url}`);
} else {
  console.log(`demo: real codex with your Codex configuration (${codexHome})`);
}
console.log(`demo: project ${project}\n`);

const mcp = path.join(repo, 'dist/bin/mcp.js');
const objective = JSON.parse(readFileSync(path.join(repo, 'examples/demo-plan.json'), 'utf8')).objective;
console.log(`$ mcp plan ${JSON.stringify(objective)}`);
await run(process.execPath, [mcp, 'plan', objective], project, env, false);
console.log(`\n$ mcp run ${JSON.stringify(objective)} --parallel 2`);
const code = await run(process.execPath, [mcp, 'run', objective, '--parallel', '2'], project, env, false);
await model?.close();
console.log('\nThe last task printed the report the others built:\n');
await run(process.execPath, [mcp, 'logs', 'show', '--plain'], project, env, false);
console.log(`\nTry, in ${JSON.stringify(project)}:`);
console.log(`  node ${mcp} status`);
console.log(`  node ${mcp} logs report`);
  console.log(`  node ${mcp} logs report --stream events --json   # the same, as raw events`);
console.log(`  git -C ${JSON.stringify(project)} branch   # one branch per task: mcp/<taskId>`);
process.exit(code);

function run(file, argv, cwd, childEnv = process.env, strict = true) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd, env: childEnv, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (status) => (strict && status !== 0 ? reject(new Error(`${file} ${argv.join(' ')} exited ${status}`)) : resolve(status ?? 1)));
  });
}
