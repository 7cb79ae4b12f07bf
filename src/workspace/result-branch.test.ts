import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { git } from './git.js';
import { advanceTo, ensureResultBranch, headOf, mergeInScratch, mergeInto, mergeTree } from './result-branch.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-result-branch-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;

/** A repository with `base`, and one branch per entry that changes files from base. */
async function repo(branches: Record<string, Record<string, string>>): Promise<{ top: string; base: string }> {
  counter += 1;
  const top = path.join(tmp, `repo${counter}`);
  await git(tmp, ['init', '-q', '-b', 'main', top]);
  writeFileSync(path.join(top, 'shared.txt'), 'one\ntwo\nthree\n');
  await git(top, ['add', '-A']);
  await git(top, ['commit', '-qm', 'base']);
  const base = await git(top, ['rev-parse', 'HEAD']);
  for (const [branch, files] of Object.entries(branches)) {
    await git(top, ['checkout', '-q', '-b', branch, base]);
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(top, name), text);
    await git(top, ['add', '-A']);
    await git(top, ['commit', '-qm', branch]);
  }
  await git(top, ['checkout', '-q', 'main']);
  return { top, base };
}

test('tasks merged one by one into the result branch, without a checkout: every change is in it', async () => {
  const { top, base } = await repo({ 'mcp/a': { 'a.txt': 'a\n' }, 'mcp/b': { 'b.txt': 'b\n' } });
  await ensureResultBranch(top, 'mcp/run-r1', base);
  assert.equal((await mergeInto(top, 'mcp/run-r1', 'mcp/a', 'mcp: merge a')).kind, 'merged');
  assert.equal((await mergeInto(top, 'mcp/run-r1', 'mcp/b', 'mcp: merge b')).kind, 'merged');
  assert.equal(await git(top, ['show', 'mcp/run-r1:a.txt']), 'a');
  assert.equal(await git(top, ['show', 'mcp/run-r1:b.txt']), 'b');
  assert.equal(await git(top, ['log', '--format=%s', '-1', 'mcp/run-r1']), 'mcp: merge b');
  assert.equal(await git(top, ['rev-parse', '--abbrev-ref', 'HEAD']), 'main', 'the checkout was never touched');
  assert.equal(await git(top, ['status', '--porcelain']), '');
  assert.equal((await mergeInto(top, 'mcp/run-r1', 'mcp/a', 'again')).kind, 'unchanged');
});

test('two tasks changing the same line conflict: the files are named and the result branch does not move', async () => {
  const { top, base } = await repo({ 'mcp/x': { 'shared.txt': 'one\nX\nthree\n' }, 'mcp/y': { 'shared.txt': 'one\nY\nthree\n' } });
  await ensureResultBranch(top, 'mcp/run-r2', base);
  await mergeInto(top, 'mcp/run-r2', 'mcp/x', 'merge x');
  const before = await headOf(top, 'mcp/run-r2');
  assert.deepEqual(await mergeInto(top, 'mcp/run-r2', 'mcp/y', 'merge y'), { kind: 'conflict', files: ['shared.txt'] });
  assert.equal(await headOf(top, 'mcp/run-r2'), before);
});

test('the scratch-worktree merge of older git gives the same tree, and the same conflicts', async () => {
  const { top, base } = await repo({ 'mcp/p': { 'p.txt': 'p\n' }, 'mcp/q': { 'shared.txt': 'one\nQ\nthree\n' }, 'mcp/r': { 'shared.txt': 'one\nR\nthree\n' } });
  for (const [ours, theirs] of [['mcp/p', 'mcp/q'], ['mcp/q', 'mcp/r'], [base, 'mcp/p']] as const) {
    assert.deepEqual(await mergeInScratch(top, ours, theirs), await mergeTree(top, ours, theirs), `${ours} + ${theirs}`);
  }
  assert.equal(await git(top, ['worktree', 'list', '--porcelain']).then((l) => l.split('\n\n').length), 1, 'the scratch worktree is gone');
});

test('a resumed run keeps its result branch; a resolver branch that contains the head advances it', async () => {
  const { top, base } = await repo({ 'mcp/a': { 'a.txt': 'a\n' } });
  await ensureResultBranch(top, 'mcp/run-r3', base);
  await mergeInto(top, 'mcp/run-r3', 'mcp/a', 'merge a');
  const merged = await headOf(top, 'mcp/run-r3');
  await ensureResultBranch(top, 'mcp/run-r3', base);
  assert.equal(await headOf(top, 'mcp/run-r3'), merged, 'not reset to the base');
  await git(top, ['branch', 'mcp/resolver', 'mcp/run-r3']);
  await git(top, ['checkout', '-q', 'mcp/resolver']);
  writeFileSync(path.join(top, 'fixed.txt'), 'fixed\n');
  await git(top, ['add', '-A']);
  await git(top, ['commit', '-qm', 'resolved']);
  await git(top, ['checkout', '-q', 'main']);
  assert.equal(await advanceTo(top, 'mcp/run-r3', 'mcp/resolver'), true);
  assert.equal(await headOf(top, 'mcp/run-r3'), await headOf(top, 'mcp/resolver'));
  assert.equal(await advanceTo(top, 'mcp/run-r3', 'main'), false, 'never moved back to something that lacks its head');
});
