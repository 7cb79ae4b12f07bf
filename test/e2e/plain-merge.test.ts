import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { mcp, sandbox, status, taskOf, writePlan, type Sandbox } from './harness.js';

// Outside git the run works in a private repository in the state root, as in a git project:
// a dependent sees every dependency's change, the run's patch holds every task's work, and
// two tasks changing the same lines is a conflict, never settled by which copy came last.

const append = (file: string, line: string): string[] => ['node', '-e', `require('fs').appendFileSync(${JSON.stringify(file)}, ${JSON.stringify(`${line}\n`)})`];
const overwrite = (file: string, text: string): string[] => ['node', '-e', `require('fs').writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(text)})`];

describe('independent tasks changing different files', () => {
  let sb: Sandbox;
  after(async () => sb?.cleanup());

  test("a dependent sees both dependencies' work, the run's patch holds both, mcp merge applies it", async () => {
    sb = await sandbox({}, { git: false });
    writeFileSync(path.join(sb.project, 'a.txt'), 'a0\n');
    writeFileSync(path.join(sb.project, 'b.txt'), 'b0\n');
    writePlan(sb.project, {
      tasks: [
        { id: 'a', command: append('a.txt', 'a1') },
        { id: 'b', command: append('b.txt', 'b1') },
        {
          id: 'both',
          command: ['node', '-e', "const fs = require('fs'); const words = (fs.readFileSync('a.txt', 'utf8') + fs.readFileSync('b.txt', 'utf8')).split('\\n').filter(Boolean); process.stdout.write('<' + words.join(' ') + '>')"],
          dependsOn: ['a', 'b'],
        },
      ],
    });
    const result = await mcp(['run', '--plan', 'plan.json', '--parallel', '2'], { cwd: sb.project, env: sb.env });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const json = await status(sb);
    const run = json.runs[0];
    assert.ok(run);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.resultBranch, null, "the project has no branch: the result is a patch");

    const seen = readFileSync(path.join(json.stateRoot, 'runs', taskOf(json, 'both').id, 'stdout.log'), 'utf8');
    assert.match(seen, /<a0 a1 b0 b1>/);

    const patch = readFileSync(path.join(json.stateRoot, 'run-records', run.id, 'result.patch'), 'utf8');
    assert.match(patch, /^diff --git a\/a\.txt b\/a\.txt$/m);
    assert.match(patch, /^\+a1$/m);
    assert.match(patch, /^diff --git a\/b\.txt b\/b\.txt$/m);
    assert.match(patch, /^\+b1$/m);
    // Each task's own patch holds its change only, not its dependencies'.
    const own = (key: string): string => readFileSync(path.join(json.stateRoot, 'runs', taskOf(json, key).id, 'result.patch'), 'utf8');
    assert.match(own('a'), /^\+a1$/m);
    assert.doesNotMatch(own('a'), /b\.txt/);
    assert.equal(own('both'), '', 'both only read the files');

    const merged = await mcp(['merge', run.id], { cwd: sb.project, env: sb.env });
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(readFileSync(path.join(sb.project, 'a.txt'), 'utf8'), 'a0\na1\n');
    assert.equal(readFileSync(path.join(sb.project, 'b.txt'), 'utf8'), 'b0\nb1\n');
    assert.equal(existsSync(path.join(sb.project, '.git')), false, 'the project stays a plain directory');
  });
});

describe('independent tasks changing the same line', () => {
  let sb: Sandbox;
  after(async () => sb?.cleanup());

  test('is a merge conflict a Codex task resolves, not the last writer winning', async () => {
    sb = await sandbox(
      // The resolution is written only where the conflict markers are: the workspace must hold the conflict.
      { rules: [{ match: 'Resolve every conflict', steps: [{ exec: "grep -q '^<<<<<<< ' shared.txt && printf 'left line\\nright line\\n' > shared.txt" }, { say: 'kept both lines' }] }] },
      { git: false },
    );
    writeFileSync(path.join(sb.project, 'shared.txt'), 'base line\n');
    writePlan(sb.project, {
      tasks: [
        { id: 'left', command: overwrite('shared.txt', 'left line\n') },
        { id: 'right', command: overwrite('shared.txt', 'right line\n') },
      ],
    });
    const result = await mcp(['run', '--plan', 'plan.json', '--parallel', '2'], { cwd: sb.project, env: sb.env });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /conflicts in shared\.txt; a Codex task resolves it/);
    const run = (await status(sb)).runs.at(-1);
    assert.ok(run);
    assert.equal(run.tasks.find((t) => t.key.startsWith('merge-'))?.status, 'succeeded');
    // The resolver was told which file.
    const ask = sb.model.records().find((r) => r.userText.includes('Resolve every conflict'));
    assert.match(ask?.userText ?? '', /produced conflicts in: shared\.txt/);

    const merged = await mcp(['merge', run.id], { cwd: sb.project, env: sb.env });
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(readFileSync(path.join(sb.project, 'shared.txt'), 'utf8'), 'left line\nright line\n');
  });
});
