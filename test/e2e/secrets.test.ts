import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { mcp, sandbox, status, writePlan, type Sandbox } from './harness.js';

const FAKE_KEY = 'sk-fake-4f9c2a7e1b3d5f60a8c9e2b4d6f8a0c1';
const BEARER = 'ghp_FakeBearerToken0123456789abcdef';
let sb: Sandbox;

before(async () => {
  sb = await sandbox({ rules: [{ match: 'PRINT_ENV', steps: [{ exec: 'echo "key=$MCP_E2E_API_KEY"; echo "err=$MCP_E2E_API_KEY" >&2' }, { say: `the key is ${FAKE_KEY}` }] }] });
});

after(async () => sb.cleanup());

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isDirectory()) {
      if (name !== 'workspace' && name !== '.git') out.push(...filesUnder(file));
    } else if (stat.isFile()) out.push(file);
  }
  return out;
}

test('a secret from the environment and Authorization headers never reach a file under the state root', async () => {
  const script = `console.log('stdout:', process.env.MCP_E2E_API_KEY); console.error('stderr:', process.env.MCP_E2E_API_KEY); console.log('Authorization: Bearer ' + ${JSON.stringify(BEARER.slice(0, 6))} + ${JSON.stringify(BEARER.slice(6))}); process.exit(process.env.MCP_E2E_API_KEY ? 3 : 4)`;
  writePlan(sb.project, {
    tasks: [
      { id: 'leaky', command: ['node', '-e', script] },
      { id: 'codex-leaky', prompt: 'PRINT_ENV' },
    ],
  });
  const result = await mcp(['run', '--plan', 'plan.json', '--max-attempts', '1', '--max-replans', '0'], { cwd: sb.project, env: { ...sb.env, MCP_E2E_API_KEY: FAKE_KEY } });
  const json = await status(sb);
  const leaky = json.runs[0]?.tasks.find((t) => t.key === 'leaky');
  // Exit 3 proves the task really had the key in its environment and printed it.
  assert.equal(leaky?.exitCode, 3);
  assert.doesNotMatch(result.stdout + result.stderr, new RegExp(FAKE_KEY));
  const files = filesUnder(json.stateRoot);
  assert.ok(files.some((f) => f.endsWith('stderr.log')));
  for (const file of files) {
    const text = readFileSync(file, 'latin1');
    assert.equal(text.includes(FAKE_KEY), false, `${file} holds the key`);
    assert.equal(text.includes(BEARER), false, `${file} holds the bearer token`);
  }
  const stdout = readFileSync(path.join(json.stateRoot, 'runs', leaky?.id ?? '', 'stdout.log'), 'utf8');
  assert.match(stdout, /stdout: \*{8}/);
  assert.match(readFileSync(path.join(json.stateRoot, 'runs', leaky?.id ?? '', 'stderr.log'), 'utf8'), /stderr: \*{8}/);
  assert.match(leaky?.reason ?? '', /stderr: \*{8}/);
});
