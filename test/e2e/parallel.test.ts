import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mcp, sandbox, status, writePlan, type Sandbox } from './harness.js';

// Four slow model turns with --parallel 2: the model must see two at once, never three.
let sb: Sandbox;

before(async () => {
  sb = await sandbox({ rules: [{ match: 'SLOW', steps: [{ say: 'slow answer', delayMs: 2500 }] }] });
});

after(async () => sb.cleanup());

test('--parallel 2 keeps exactly two Codex sessions in flight', async () => {
  const plan = { tasks: ['p1', 'p2', 'p3', 'p4'].map((id) => ({ id, prompt: `SLOW ${id}` })) };
  writePlan(sb.project, plan);
  const result = await mcp(['run', '--plan', 'plan.json', '--parallel', '2', '--json'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr);
  const stats = sb.model.stats();
  assert.equal(stats.requests, 4);
  assert.equal(stats.maxInFlight, 2);
  // --json prints one document on stdout and nothing else.
  const doc = JSON.parse(result.stdout) as { run: { status: string; tasks: unknown[] } };
  assert.equal(doc.run.status, 'succeeded');
  assert.equal(doc.run.tasks.length, 4);
  const json = await status(sb);
  assert.deepEqual(json.runs[0]?.tasks.map((t) => t.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
});
