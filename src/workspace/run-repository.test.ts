import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { git } from './git.js';
import { BASE_BRANCH, createRunRepository, projectFiles } from './run-repository.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-run-repo-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** A fresh directory holding a project (with its state root inside, as by default). */
function fresh(): { project: string; stateRoot: string; repo: string } {
  counter += 1;
  const project = path.join(tmp, `case-${counter}`, 'project');
  const stateRoot = path.join(project, '.mcp');
  mkdirSync(stateRoot, { recursive: true });
  return { project, stateRoot, repo: path.join(stateRoot, 'run-records', 'r1', 'repo') };
}

/** `git ls-tree -r` of a commit: path -> mode. */
async function treeModes(repo: string, commit: string): Promise<Map<string, string>> {
  const out = await git(repo, ['ls-tree', '-r', '-z', commit]);
  const modes = new Map<string, string>();
  for (const entry of out.split('\0').filter(Boolean)) {
    const [meta = '', name = ''] = entry.split('\t');
    modes.set(name, meta.split(' ')[0] ?? '');
  }
  return modes;
}

test('the snapshot holds the project, not the state root inside it, with symlinks, odd names and modes as they are', async () => {
  const { project, stateRoot, repo } = fresh();
  writeFileSync(path.join(project, 'README.md'), '# readme\n');
  mkdirSync(path.join(project, 'src', 'nested é'), { recursive: true });
  writeFileSync(path.join(project, 'src', 'nested é', 'with space ✓.txt'), 'unicode\n');
  writeFileSync(path.join(project, 'run.sh'), '#!/bin/sh\n');
  chmodSync(path.join(project, 'run.sh'), 0o755);
  symlinkSync('README.md', path.join(project, 'link-to-readme'));
  symlinkSync('/nowhere/at/all', path.join(project, 'dangling'));
  symlinkSync('src', path.join(project, 'link-to-dir'));
  // The state root holds workspaces (worktrees with a .git file) and the repository itself.
  mkdirSync(path.join(stateRoot, 'runs', 't1', 'workspace'), { recursive: true });
  writeFileSync(path.join(stateRoot, 'runs', 't1', 'workspace', '.git'), 'gitdir: /elsewhere\n');
  writeFileSync(path.join(stateRoot, '.gitignore'), '*\n');
  // A file the project's own ignore rules name is still part of the project.
  writeFileSync(path.join(project, '.gitignore'), 'build/\n');
  mkdirSync(path.join(project, 'build'));
  writeFileSync(path.join(project, 'build', 'out.js'), 'built\n');

  const base = await createRunRepository(project, stateRoot, repo);
  const modes = await treeModes(repo, base);
  assert.deepEqual([...modes.keys()].sort(), ['.gitignore', 'README.md', 'build/out.js', 'dangling', 'link-to-dir', 'link-to-readme', 'run.sh', 'src/nested é/with space ✓.txt']);
  assert.equal(modes.get('run.sh'), '100755');
  assert.equal(modes.get('README.md'), '100644');
  for (const link of ['dangling', 'link-to-dir', 'link-to-readme']) assert.equal(modes.get(link), '120000', link);
  assert.equal(await git(repo, ['cat-file', 'blob', `${base}:dangling`]), '/nowhere/at/all');
  assert.equal(await git(repo, ['rev-parse', BASE_BRANCH]), base);

  // A worktree of it is the project again.
  const ws = path.join(tmp, `ws-${counter}`);
  await git(repo, ['worktree', 'add', '-q', '--detach', ws, base]);
  assert.equal(readFileSync(path.join(ws, 'src', 'nested é', 'with space ✓.txt'), 'utf8'), 'unicode\n');
  assert.equal(readlinkSync(path.join(ws, 'link-to-dir')), 'src');
  assert.ok(lstatSync(path.join(ws, 'dangling')).isSymbolicLink());
  assert.equal(statSync(path.join(ws, 'run.sh')).mode & 0o111, 0o111);
  assert.equal(existsSync(path.join(ws, '.mcp')), false);
});

test('an empty project gives a commit with an empty tree', async () => {
  const { project, stateRoot, repo } = fresh();
  const base = await createRunRepository(project, stateRoot, repo);
  assert.equal(await git(repo, ['ls-tree', '-r', base]), '');
  assert.equal(await git(repo, ['rev-parse', `${base}^{tree}`]), await git(repo, ['hash-object', '-t', 'tree', '/dev/null']));
});

test('a state root outside the project is simply not there; a nested repository gives its files, not its .git', async () => {
  const { project, repo } = fresh();
  const elsewhere = path.join(tmp, `state-${counter}`);
  mkdirSync(path.join(project, 'vendor', 'lib'), { recursive: true });
  writeFileSync(path.join(project, 'vendor', 'lib', 'lib.js'), 'lib\n');
  await git(path.join(project, 'vendor', 'lib'), ['init', '-q']);
  const base = await createRunRepository(project, elsewhere, repo);
  // .mcp is an ordinary directory of the project here (empty: nothing to hold).
  assert.deepEqual([...(await treeModes(repo, base)).keys()], ['vendor/lib/lib.js']);
});

test('the bytes stay as they are whatever the project says in .gitattributes', async () => {
  const { project, stateRoot, repo } = fresh();
  writeFileSync(path.join(project, '.gitattributes'), '* text eol=crlf\n*.txt filter=nosuch\n');
  writeFileSync(path.join(project, 'unix.txt'), 'one\ntwo\n');
  writeFileSync(path.join(project, 'dos.md'), 'one\r\ntwo\r\n');
  const base = await createRunRepository(project, stateRoot, repo);
  const ws = path.join(tmp, `ws-${counter}`);
  await git(repo, ['worktree', 'add', '-q', '--detach', ws, base]);
  assert.equal(readFileSync(path.join(ws, 'unix.txt'), 'utf8'), 'one\ntwo\n');
  assert.equal(readFileSync(path.join(ws, 'dos.md'), 'utf8'), 'one\r\ntwo\r\n');
});

test('a second call finds the repository and keeps its base; a snapshot cut short is taken again', async () => {
  const { project, stateRoot, repo } = fresh();
  writeFileSync(path.join(project, 'a.txt'), 'a0\n');
  // What a supervisor that died in the middle of a snapshot leaves.
  mkdirSync(path.join(`${repo}.partial`, '.git'), { recursive: true });
  writeFileSync(path.join(`${repo}.partial`, '.git', 'HEAD'), 'garbage');
  const base = await createRunRepository(project, stateRoot, repo);
  assert.equal(await git(repo, ['cat-file', 'blob', `${base}:a.txt`]), 'a0');
  assert.equal(existsSync(`${repo}.partial`), false);
  writeFileSync(path.join(project, 'a.txt'), 'changed since\n');
  assert.equal(await createRunRepository(project, stateRoot, repo), base, 'a resumed run keeps the snapshot it started from');
});

test('a repository that cannot be read is an error, never replaced: its branches hold the tasks\' work', async () => {
  const { project, stateRoot, repo } = fresh();
  const base = await createRunRepository(project, stateRoot, repo);
  await git(repo, ['branch', 'mcp/t', base]);
  await git(repo, ['update-ref', '-d', `refs/heads/${BASE_BRANCH}`]);
  await assert.rejects(createRunRepository(project, stateRoot, repo), /mcp\/base/);
  assert.equal(await git(repo, ['rev-parse', 'mcp/t']), base);
});

test('projectFiles skips the state root by path, even under a name that is not .mcp', () => {
  const { project } = fresh();
  const stateRoot = path.join(project, 'deep', 'state');
  mkdirSync(path.join(stateRoot, 'runs'), { recursive: true });
  writeFileSync(path.join(stateRoot, 'runs', 'x'), '');
  writeFileSync(path.join(project, 'deep', 'keep'), '');
  writeFileSync(path.join(project, 'deep', 'state-not'), '');
  assert.deepEqual(projectFiles(project, stateRoot), ['deep/keep', 'deep/state-not']);
});

test('the state root is recognised when the project is named through a symlink', () => {
  const { project, stateRoot } = fresh();
  writeFileSync(path.join(stateRoot, 'inside'), '');
  writeFileSync(path.join(project, 'file'), '');
  const alias = path.join(tmp, `alias-${counter}`);
  symlinkSync(project, alias);
  assert.deepEqual(projectFiles(alias, stateRoot), ['file']);
  assert.deepEqual(projectFiles(project, path.join(alias, '.mcp')), ['file']);
});

test("the user's global hooks do not run in the run's repository", async () => {
  const { project, stateRoot, repo } = fresh();
  writeFileSync(path.join(project, 'a.txt'), 'a\n');
  const hooks = path.join(tmp, `hooks-${counter}`);
  const marker = path.join(tmp, `hook-ran-${counter}`);
  mkdirSync(hooks);
  for (const hook of ['post-checkout', 'post-commit', 'pre-commit']) {
    writeFileSync(path.join(hooks, hook), `#!/bin/sh\necho ${hook} >> '${marker}'\n`);
    chmodSync(path.join(hooks, hook), 0o755);
  }
  const globalConfig = path.join(tmp, `gitconfig-${counter}`);
  writeFileSync(globalConfig, `[core]\n\thooksPath = ${hooks}\n`);
  const saved = process.env.GIT_CONFIG_GLOBAL;
  process.env.GIT_CONFIG_GLOBAL = globalConfig;
  try {
    // The hooks are live: they run in an ordinary repository.
    const control = path.join(tmp, `control-${counter}`);
    mkdirSync(control);
    await git(control, ['init', '-q']);
    await git(control, ['commit', '-q', '--allow-empty', '-m', 'c']);
    assert.ok(existsSync(marker), 'the hooks run elsewhere');
    rmSync(marker);

    const base = await createRunRepository(project, stateRoot, repo);
    const ws = path.join(tmp, `ws-${counter}`);
    await git(repo, ['worktree', 'add', '-q', '-b', 'mcp/t', ws, base]);
    writeFileSync(path.join(ws, 'a.txt'), 'changed\n');
    await git(ws, ['commit', '-q', '-am', 'task']);
    assert.equal(existsSync(marker), false, existsSync(marker) ? readFileSync(marker, 'utf8') : '');
  } finally {
    if (saved === undefined) delete process.env.GIT_CONFIG_GLOBAL;
    else process.env.GIT_CONFIG_GLOBAL = saved;
  }
});
