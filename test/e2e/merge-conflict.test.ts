import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { mcp, sandbox, sh, status, writePlan, type Sandbox } from './harness.js';

let sb: Sandbox;

before(async () => {
  sb = await sandbox({
    rules: [
      { match: 'Resolve every conflict', steps: [{ exec: "printf 'left line\\nright line\\n' > shared.txt" }, { say: 'kept both lines' }] },
      { match: 'LEFT_EDIT', steps: [{ exec: "printf 'left line\\n' > shared.txt" }, { say: 'left' }] },
      { match: 'RIGHT_EDIT', steps: [{ exec: "printf 'right line\\n' > shared.txt" }, { say: 'right' }] },
    ],
  });
  writeFileSync(path.join(sb.project, 'shared.txt'), 'base line\n');
  await sh(sb.project, 'git add shared.txt && git -c user.name=t -c user.email=t@t commit -qm shared');
});

after(async () => sb.cleanup());

test('two tasks editing the same line conflict at merge; a Codex task resolves it', async () => {
  writePlan(sb.project, { tasks: [{ id: 'left', prompt: 'LEFT_EDIT' }, { id: 'right', prompt: 'RIGHT_EDIT' }] });
  const result = await mcp(['run', '--plan', 'plan.json', '--parallel', '2'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /conflicts in shared\.txt; a Codex task resolves it/);
  const run = (await status(sb)).runs.at(-1);
  assert.ok(run);
  const resolver = run.tasks.find((t) => t.key.startsWith('merge-'));
  assert.equal(resolver?.status, 'succeeded');
  // The resolver's prompt named the conflicting file, and its workspace held the markers.
  const ask = sb.model.records().find((r) => r.userText.includes('Resolve every conflict'));
  assert.match(ask?.userText ?? '', /produced conflicts in: shared\.txt/);
  assert.equal(await sh(sb.project, `git show mcp/run-${run.id}:shared.txt`), 'left line\nright line\n');
  // The result contains both task branches.
  for (const key of ['left', 'right']) {
    const task = run.tasks.find((t) => t.key === key);
    await sh(sb.project, `git merge-base --is-ancestor ${task?.branch} mcp/run-${run.id}`);
  }
});
