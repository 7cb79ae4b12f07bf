import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { mcp, sandbox, status, taskOf, writePlan, type Sandbox } from './harness.js';

// Outside git the result is a patch per task and one for the run; `mcp merge` applies it.
let sb: Sandbox;

before(async () => {
  sb = await sandbox({}, { git: false });
  writeFileSync(path.join(sb.project, 'notes.txt'), 'first\n');
});

after(async () => sb.cleanup());

test('a non-git run writes per-task patches and a run patch that mcp merge applies', async () => {
  writePlan(sb.project, {
    tasks: [
      { id: 'add', command: ['node', '-e', "require('fs').writeFileSync('added.txt', 'new file\\n')"] },
      { id: 'edit', command: ['node', '-e', "require('fs').appendFileSync('notes.txt', 'second\\n')"], dependsOn: ['add'] },
    ],
  });
  const result = await mcp(['run', '--plan', 'plan.json'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  const json = await status(sb);
  const run = json.runs[0];
  assert.ok(run);
  const runPatch = path.join(json.stateRoot, 'run-records', run.id, 'result.patch');
  const patch = readFileSync(runPatch, 'utf8');
  assert.match(patch, /^diff --git a\/added\.txt b\/added\.txt$/m);
  assert.match(patch, /^\+second$/m);
  assert.doesNotMatch(patch, /\.mcp|\/tmp\//, 'paths are project-relative and the state root is not in it');
  const editPatch = readFileSync(path.join(json.stateRoot, 'runs', taskOf(json, 'edit').id, 'result.patch'), 'utf8');
  assert.match(editPatch, /notes\.txt/);
  assert.equal(existsSync(path.join(sb.project, 'added.txt')), false, 'the project is untouched until merge');
  const human = await mcp(['status', run.id], { cwd: sb.project, env: sb.env });
  assert.match(human.stdout, /2 files changed/);

  const merged = await mcp(['merge', run.id], { cwd: sb.project, env: sb.env });
  assert.equal(merged.code, 0, merged.stderr);
  assert.equal(readFileSync(path.join(sb.project, 'notes.txt'), 'utf8'), 'first\nsecond\n');
  assert.equal(readFileSync(path.join(sb.project, 'added.txt'), 'utf8'), 'new file\n');
  // A second merge sees the patch is in already (it applies in reverse) and changes nothing.
  const again = await mcp(['merge', run.id], { cwd: sb.project, env: sb.env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /result\.patch is already applied to .*; nothing changed/);
  assert.equal(readFileSync(path.join(sb.project, 'notes.txt'), 'utf8'), 'first\nsecond\n');
  // Changed under it since, the patch neither applies nor is in: refused whole, as before.
  writeFileSync(path.join(sb.project, 'notes.txt'), 'rewritten\n');
  const changed = await mcp(['merge', run.id], { cwd: sb.project, env: sb.env });
  assert.equal(changed.code, 2);
  assert.match(changed.stderr, /does not apply/);
});
