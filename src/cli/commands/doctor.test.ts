import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { StateRootError } from '../../domain/errors.js';
import { resolveContext } from '../context.js';
import { configCheck, sensitiveCheck, stateRootCheck, WORKTREES_WARN_AT, worktreesCheck } from './doctor.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-doctor-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

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

test('configCheck: a config `mcp run` refuses fails here, in the words and with the fix `mcp run` gives', async () => {
  const project = path.join(tmp, 'config');
  mkdirSync(project);
  const ctx = resolveContext({ project });
  assert.deepEqual(await configCheck(ctx, undefined), { name: 'config', ok: true, detail: 'no mcp.config.json (defaults)' });

  writeFileSync(path.join(project, 'mcp.config.json'), '{bad');
  const refused = await ctx.loadConfig().then(
    () => assert.fail('mcp run would have accepted it'),
    (error: unknown) => error as StateRootError,
  );
  const check = await configCheck(ctx, undefined);
  assert.deepEqual(check, { name: 'config', ok: false, detail: refused.message, fix: refused.hint });
  assert.match(check.detail, /mcp\.config\.json: not valid JSON/);

  const other = path.join(project, 'other.json');
  writeFileSync(other, '{"parallel": 2}');
  assert.deepEqual(await configCheck(resolveContext({ project, config: other }), other), { name: 'config', ok: true, detail: `${other} is valid` });
});

test('stateRootCheck: a state root `mcp run` cannot write fails here, in the words `mcp run` uses', () => {
  const project = path.join(tmp, 'root');
  mkdirSync(project);
  const root = resolveContext({ project }).root;
  // Not there yet: what `mcp run` would create it in must be writable.
  assert.equal(stateRootCheck(root).ok, true);
  root.prepare();
  assert.deepEqual(stateRootCheck(root), { name: 'state root', ok: true, detail: `${root.dir}, writable, control directory private` });

  // A read-only mount: access(2) says EROFS, to root too (chmod alone does not stop root).
  const readOnly = (): void => {
    throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
  };
  const check = stateRootCheck(root, readOnly);
  assert.deepEqual(check, { name: 'state root', ok: false, detail: `state root ${root.dir} is not writable`, fix: 'choose another --state-dir or fix its permissions' });
  assert.equal(stateRootCheck(resolveContext({ project, stateDir: path.join(root.dir, 'new', 'deeper') }).root, readOnly).ok, false);
});

test("sensitiveCheck: the pinned Codex asks before git push and the config's entries; a Codex that would not, or cannot tell, fails", async () => {
  const codex = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..'), 'node_modules/.bin/codex');
  const project = path.join(tmp, 'sensitive');
  mkdirSync(project);
  writeFileSync(path.join(project, 'mcp.config.json'), JSON.stringify({ sensitive: ['terraform apply'] }));
  const ctx = resolveContext({ project });
  assert.deepEqual(await sensitiveCheck(codex, ctx), { name: 'approvals', ok: true, detail: "Codex asks before git push, terraform apply (mcp's rules)" });

  // A Codex whose rules match nothing (an older one would ignore them).
  const deaf = path.join(tmp, 'deaf-codex');
  writeFileSync(deaf, '#!/bin/sh\necho \'{"matchedRules":[]}\'\n', { mode: 0o755 });
  const skipped = await sensitiveCheck(deaf, ctx);
  assert.deepEqual([skipped.ok, skipped.detail], [false, 'Codex would run these unasked in a task: git push, terraform apply']);
  const old = path.join(tmp, 'old-codex');
  writeFileSync(old, "#!/bin/sh\necho \"error: unrecognized subcommand 'execpolicy'\" >&2; exit 2\n", { mode: 0o755 });
  const unknown = await sensitiveCheck(old, ctx);
  assert.deepEqual([unknown.ok, unknown.detail], [false, "cannot tell whether Codex asks before sensitive commands: `codex execpolicy check` failed: error: unrecognized subcommand 'execpolicy'"]);
  assert.match(unknown.fix ?? '', /@openai\/codex 0\.169\.0/);
});
