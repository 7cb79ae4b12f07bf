import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { git } from './git.js';
import { createRunRepository } from './run-repository.js';
import { commitWorkspace, prepareWorkspace, taskStart, WorkspaceError, type RunRepo } from './workspace.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-workspace-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** A plain project with a.txt and b.txt and the run's private repository made from it. */
async function privateRun(): Promise<{ project: string; stateRoot: string; repo: RunRepo }> {
  counter += 1;
  const project = path.join(tmp, `case-${counter}`);
  const stateRoot = path.join(project, '.mcp');
  mkdirSync(stateRoot, { recursive: true });
  writeFileSync(path.join(project, 'a.txt'), 'a0\n');
  writeFileSync(path.join(project, 'b.txt'), 'b0\n');
  const top = path.join(stateRoot, 'run-records', 'r1', 'repo');
  const baseCommit = await createRunRepository(project, stateRoot, top);
  return { project, stateRoot, repo: { top, baseCommit, projectPath: '', private: true } };
}

async function task(repo: RunRepo, stateRoot: string, id: string, deps: string[], change?: (cwd: string) => void): Promise<string> {
  const cwd = await prepareWorkspace({ repo, workspace: path.join(stateRoot, 'runs', id, 'workspace'), branch: `mcp/${id}`, dependencies: deps.map((d) => ({ branch: `mcp/${d}` })) });
  change?.(cwd);
  await commitWorkspace(cwd, `mcp: ${id}`);
  return cwd;
}

test("a dependent's workspace holds every dependency's change, and the task's start is remembered", async () => {
  const { stateRoot, repo } = await privateRun();
  await task(repo, stateRoot, 'a', [], (cwd) => appendFileSync(path.join(cwd, 'a.txt'), 'a1\n'));
  await task(repo, stateRoot, 'b', [], (cwd) => appendFileSync(path.join(cwd, 'b.txt'), 'b1\n'));
  const both = await task(repo, stateRoot, 'both', ['a', 'b']);
  assert.equal(both, path.join(stateRoot, 'runs', 'both', 'workspace'));
  assert.equal(readFileSync(path.join(both, 'a.txt'), 'utf8'), 'a0\na1\n');
  assert.equal(readFileSync(path.join(both, 'b.txt'), 'utf8'), 'b0\nb1\n');
  // A worktree: git works in it, and the state root is nowhere inside.
  assert.ok(existsSync(path.join(both, '.git')));
  assert.equal(existsSync(path.join(both, '.mcp')), false);
  // `both` started from a and b combined and changed nothing itself.
  const start = await taskStart(repo.top, 'mcp/both');
  assert.ok(start);
  assert.equal(await git(repo.top, ['diff', '--name-only', start, 'mcp/both']), '');
  assert.equal(await git(repo.top, ['diff', '--name-only', repo.baseCommit, 'mcp/both']), 'a.txt\nb.txt');
  const aStart = await taskStart(repo.top, 'mcp/a');
  assert.equal(aStart, repo.baseCommit);
});

test('a task that only adds a file is committed even where git is told to hide untracked files', async () => {
  const { stateRoot, repo } = await privateRun();
  await git(repo.top, ['config', 'status.showUntrackedFiles', 'no']);
  await task(repo, stateRoot, 'add', [], (cwd) => writeFileSync(path.join(cwd, 'new file é.txt'), 'new\n'));
  assert.equal(await git(repo.top, ['show', 'mcp/add:new file é.txt']), 'new');
});

test('dependencies that changed the same line cannot be combined: the workspace says so', async () => {
  const { stateRoot, repo } = await privateRun();
  await task(repo, stateRoot, 'left', [], (cwd) => writeFileSync(path.join(cwd, 'a.txt'), 'left\n'));
  await task(repo, stateRoot, 'right', [], (cwd) => writeFileSync(path.join(cwd, 'a.txt'), 'right\n'));
  await assert.rejects(task(repo, stateRoot, 'after', ['left', 'right']), (error: unknown) => error instanceof WorkspaceError && /conflicts/.test(error.message));
});

test('in a git project the workspace directory is the project inside the worktree', async () => {
  counter += 1;
  const top = path.join(tmp, `git-${counter}`);
  const project = path.join(top, 'sub dir');
  mkdirSync(project, { recursive: true });
  writeFileSync(path.join(project, 'x.txt'), 'x\n');
  await git(top, ['init', '-q']);
  await git(top, ['add', '-A']);
  await git(top, ['commit', '-q', '-m', 'init']);
  const repo: RunRepo = { top, baseCommit: await git(top, ['rev-parse', 'HEAD']), projectPath: 'sub dir', private: false };
  const ws = path.join(tmp, `git-${counter}-ws`);
  const cwd = await prepareWorkspace({ repo, workspace: ws, branch: 'mcp/t', dependencies: [] });
  assert.equal(cwd, path.join(ws, 'sub dir'));
  assert.equal(readFileSync(path.join(cwd, 'x.txt'), 'utf8'), 'x\n');
  // The user's repository gets no bookkeeping refs beyond the task branch.
  assert.equal(await taskStart(top, 'mcp/t'), null);
});
