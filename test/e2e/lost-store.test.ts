import assert from 'node:assert/strict';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { mcp, sandbox, status, writePlan, type Sandbox } from './harness.js';

let sb: Sandbox;
let store: string;

before(async () => {
  sb = await sandbox({});
  store = path.join(sb.project, '.mcp', 'store');
  writePlan(sb.project, { tasks: [{ id: 'a', command: ['node', '-e', '0'] }] });
});

after(async () => sb.cleanup());

const runIds = (file: string): string[] => (JSON.parse(readFileSync(file, 'utf8')) as { runs: { id: string }[] }).runs.map((r) => r.id);

test('a corrupt store moved aside as its error says: the next run keeps the old runs\' snapshot and says where', async () => {
  const first = await mcp(['run', '--plan', 'plan.json', '--json'], { cwd: sb.project, env: sb.env });
  assert.equal(first.code, 0, first.stderr);
  const old = (await status(sb)).runs[0]!.id;

  writeFileSync(path.join(store, 'tasks.db'), Buffer.alloc(1024, 0xa5));
  const corrupt = await mcp(['status'], { cwd: sb.project, env: sb.env });
  assert.equal(corrupt.code, 2);
  assert.match(corrupt.stderr, /tasks\.db is corrupt .* the next `mcp run` starts a new store and keeps that snapshot as store\/snapshot-<time>\.json/);

  renameSync(path.join(store, 'tasks.db'), path.join(store, 'tasks.db.corrupt'));
  const empty = await mcp(['status'], { cwd: sb.project, env: sb.env });
  assert.match(empty.stdout, /store\/tasks\.db is missing; store\/snapshot\.json holds the last known state of 1 run/);

  const second = await mcp(['run', '--plan', 'plan.json', '--json'], { cwd: sb.project, env: sb.env });
  assert.equal(second.code, 0, second.stderr);
  const kept = readdirSync(store).filter((name) => /^snapshot-.+\.json$/.test(name));
  assert.equal(kept.length, 1, readdirSync(store).join(' '));
  assert.match(second.stderr, new RegExp(`the last known state of its 1 run, is kept as ${path.join(store, kept[0]!).replace(/[.]/g, '\\.')}`));
  assert.deepEqual(runIds(path.join(store, kept[0]!)), [old]);
  const now = runIds(path.join(store, 'snapshot.json'));
  assert.equal(now.length, 1);
  assert.notEqual(now[0], old);
});
