import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WORKTREES_WARN_AT, worktreesCheck } from './doctor.js';

test('worktreesCheck: a few worktrees are fine; past the threshold a warning names what frees them', () => {
  const few = worktreesCheck({ top: '/p', registered: 3, under: 2 }, '/p/.mcp/runs');
  assert.deepEqual([few.ok, few.warn ?? false, few.detail], [true, false, '3 registered in /p (2 of them task workspaces in /p/.mcp/runs)']);
  assert.equal(worktreesCheck({ top: '/p', registered: 0, under: 0 }, '/p/.mcp/runs').detail, '0 registered in /p');

  const many = worktreesCheck({ top: '/p', registered: WORKTREES_WARN_AT, under: WORKTREES_WARN_AT }, '/p/.mcp/runs');
  assert.deepEqual([many.ok, many.warn], [true, true]);
  assert.match(many.detail, /^200 registered in \/p \(all of them task workspaces in \/p\/\.mcp\/runs\); git reads each one/);
  assert.match(many.fix ?? '', /mcp clean --dry-run/);

  // None of them mcp's: clean would free nothing, so git's own commands are named.
  const theirs = worktreesCheck({ top: '/p', registered: 500, under: 0 }, '/p/.mcp/runs');
  assert.equal(theirs.warn, true);
  assert.match(theirs.fix ?? '', /git worktree remove/);
  assert.doesNotMatch(theirs.fix ?? '', /mcp clean/);
});
