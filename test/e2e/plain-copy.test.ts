import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { mcp, sandbox, status, taskOf, writePlan, type Sandbox, type StatusJson } from './harness.js';

// Outside git every task works in a copy of the project (never the state root), with its
// dependencies' results laid over it; the project itself is left as it was.
let sb: Sandbox;
let result: Awaited<ReturnType<typeof mcp>>;
let before_: Map<string, string>;
let json: StatusJson;

/** Every file under dir (relative path -> content), skipping the top-level entries named in skip. */
function tree(dir: string, skip: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const relPath = path.join(rel, name);
      if (rel === '' && skip.includes(name)) continue;
      const full = path.join(dir, relPath);
      if (statSync(full).isDirectory()) walk(relPath);
      else out.set(relPath, readFileSync(full, 'utf8'));
    }
  };
  walk('');
  return out;
}

/** Every directory named `name` anywhere under dir. */
function findDirs(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.join(dir, entry.name);
    if (entry.name === name) found.push(full);
    found.push(...findDirs(full, name));
  }
  return found;
}

before(async () => {
  sb = await sandbox(
    {
      rules: [
        { match: 'WRITE_LEFT', steps: [{ exec: "printf 'left side' > left.txt" }, { say: 'left.txt written' }] },
        { match: 'WRITE_RIGHT', steps: [{ exec: "mkdir -p out && printf 'right side' > out/right.txt" }, { say: 'out/right.txt written' }] },
      ],
    },
    { git: false },
  );
  mkdirSync(path.join(sb.project, 'src', 'nested é'), { recursive: true });
  writeFileSync(path.join(sb.project, 'src', 'nested é', 'keep.txt'), 'kept\n');
  writePlan(sb.project, {
    objective: 'Two files, then one command that reads both',
    tasks: [
      { id: 'left', prompt: 'WRITE_LEFT please' },
      { id: 'right', prompt: 'WRITE_RIGHT please' },
      {
        id: 'both',
        command: ['node', '-e', "const fs = require('fs'); process.stdout.write('<' + fs.readFileSync('left.txt', 'utf8') + '|' + fs.readFileSync('out/right.txt', 'utf8') + '>')"],
        dependsOn: ['left', 'right'],
      },
    ],
  });
  before_ = tree(sb.project);
  result = await mcp(['run', '--plan', 'plan.json', '--parallel', '2'], { cwd: sb.project, env: sb.env });
  json = await status(sb);
});

after(async () => sb.cleanup());

test('the run succeeds with its state in <project>/.mcp', () => {
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.equal(json.stateRoot, path.join(sb.project, '.mcp'));
  assert.equal(json.runs.length, 1);
  assert.equal(json.runs[0]?.status, 'succeeded');
  assert.deepEqual(
    json.runs[0]?.tasks.map((t) => [t.key, t.status, t.branch]),
    [
      ['left', 'succeeded', null],
      ['right', 'succeeded', null],
      ['both', 'succeeded', null],
    ],
  );
});

test("the dependent task's workspace holds both files, and its command read them", () => {
  const both = taskOf(json, 'both');
  assert.equal(both.workspace, path.join(json.stateRoot, 'runs', both.id, 'workspace'));
  const ws = both.workspace ?? '';
  assert.equal(readFileSync(path.join(ws, 'left.txt'), 'utf8'), 'left side');
  assert.equal(readFileSync(path.join(ws, 'out', 'right.txt'), 'utf8'), 'right side');
  assert.equal(readFileSync(path.join(ws, 'src', 'nested é', 'keep.txt'), 'utf8'), 'kept\n');
  assert.ok(readFileSync(path.join(json.stateRoot, 'runs', both.id, 'stdout.log'), 'utf8').includes('<left side|right side>'));
});

test('each independent task only saw its own work', () => {
  const left = taskOf(json, 'left').workspace ?? '';
  const right = taskOf(json, 'right').workspace ?? '';
  assert.equal(readFileSync(path.join(left, 'left.txt'), 'utf8'), 'left side');
  assert.equal(existsSync(path.join(left, 'out', 'right.txt')), false);
  assert.equal(readFileSync(path.join(right, 'out', 'right.txt'), 'utf8'), 'right side');
  assert.equal(existsSync(path.join(right, 'left.txt')), false);
  // Every copy starts from the whole project.
  for (const ws of [left, right]) {
    assert.equal(readFileSync(path.join(ws, 'README.md'), 'utf8'), '# sample project\n');
    assert.equal(readFileSync(path.join(ws, 'src', 'nested é', 'keep.txt'), 'utf8'), 'kept\n');
  }
});

test('the project is unchanged: only plan.json (written before) and .mcp are there besides its files', () => {
  assert.deepEqual(readdirSync(sb.project).sort(), ['.mcp', 'README.md', 'plan.json', 'src']);
  assert.deepEqual(tree(sb.project, ['.mcp']), before_);
});

test('no workspace contains a .mcp directory (the state root is never copied)', () => {
  for (const task of json.runs[0]?.tasks ?? []) {
    const ws = task.workspace ?? '';
    assert.ok(statSync(ws).isDirectory(), ws);
    assert.deepEqual(findDirs(ws, '.mcp'), [], `${task.key}: ${ws}`);
  }
});
