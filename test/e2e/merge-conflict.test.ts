import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { mcp, sandbox, sh, status, writePlan, type Sandbox } from './harness.js';

let sb: Sandbox;

before(async () => {
  sb = await sandbox({
    rules: [
      { match: 'Resolve every conflict', steps: [{ exec: "printf 'left line\\nright line\\n' > shared.txt" }, { say: 'kept both lines' }] },
    ],
  });
  writeFileSync(path.join(sb.project, 'shared.txt'), 'base line\n');
  await sh(sb.project, 'git add shared.txt && git -c user.name=t -c user.email=t@t commit -qm shared');
});

after(async () => sb.cleanup());

function runEvents(runId: string): { ts: string; type: string }[] {
  const file = path.join(sb.project, '.mcp', 'run-records', runId, 'events.ndjson');
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { ts: string; type: string });
}

test('two tasks editing the same line conflict as soon as both finished; a Codex task resolves it while another task still runs', async () => {
  const write = (text: string): string[] => ['node', '-e', `require('fs').writeFileSync('shared.txt', ${JSON.stringify(text)})`];
  // `slow` outlives the merge of left and right, and the resolver, by a wide margin.
  const slow = ['node', '-e', "setTimeout(() => require('fs').writeFileSync('slow.txt', 'slow\\n'), 15000)"];
  writePlan(sb.project, { tasks: [{ id: 'left', command: write('left line\n') }, { id: 'right', command: write('right line\n') }, { id: 'slow', command: slow }] });
  const result = await mcp(['run', '--plan', 'plan.json', '--parallel', '3'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /conflicts in shared\.txt; a Codex task resolves it/);
  const run = (await status(sb)).runs.at(-1);
  assert.ok(run);
  const resolver = run.tasks.find((t) => t.key.startsWith('merge-'));
  assert.equal(resolver?.status, 'succeeded');
  // Incremental: the conflict was found, and resolved, while `slow` was still running.
  const slowTask = run.tasks.find((t) => t.key === 'slow');
  const slowEnd = Date.parse(slowTask?.endedAt ?? '');
  const conflictAt = runEvents(run.id).find((e) => e.type === 'merge.conflict')?.ts ?? '';
  assert.ok(Date.parse(conflictAt) < slowEnd, `conflict at ${conflictAt}, slow ended ${slowTask?.endedAt}`);
  assert.ok(Date.parse(resolver?.endedAt ?? '') < slowEnd, `resolver ended ${resolver?.endedAt}, slow ended ${slowTask?.endedAt}`);
  assert.equal(await sh(sb.project, `git show mcp/run-${run.id}:slow.txt`), 'slow\n');
  // The resolver's prompt named the conflicting file, and its workspace held the markers.
  const ask = sb.model.records().find((r) => r.userText.includes('Resolve every conflict'));
  assert.match(ask?.userText ?? '', /produced conflicts in: shared\.txt/);
  assert.equal(await sh(sb.project, `git show mcp/run-${run.id}:shared.txt`), 'left line\nright line\n');
  // The result contains every task branch.
  for (const key of ['left', 'right', 'slow']) {
    const task = run.tasks.find((t) => t.key === key);
    await sh(sb.project, `git merge-base --is-ancestor ${task?.branch} mcp/run-${run.id}`);
  }
});
