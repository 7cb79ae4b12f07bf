import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { mcp, sandbox, status, writePlan, type Sandbox } from './harness.js';

let sb: Sandbox;

before(async () => {
  sb = await sandbox({});
  writePlan(sb.project, { tasks: [{ id: 'a', command: ['node', '-e', "console.log('done here')"] }] });
  const run = await mcp(['run', '--plan', 'plan.json'], { cwd: sb.project, env: sb.env });
  assert.equal(run.code, 0, run.stderr);
  // What a read-only state root does to SQLite (it cannot make the store's -shm index
  // beside it), in a way that holds for root too, who may write any directory.
  symlinkSync(path.join(sb.dir, 'no-such-dir', 'shm'), path.join(sb.project, '.mcp', 'store', 'tasks.db-shm'));
});

after(async () => sb.cleanup());

test('a store SQLite cannot open in place is still read by status and logs; commands that write refuse in one line', async () => {
  const json = await status(sb);
  assert.equal(json.runs[0]?.status, 'succeeded');
  const text = await mcp(['status', 'a'], { cwd: sb.project, env: sb.env });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /state +succeeded/);
  const logs = await mcp(['logs', 'a'], { cwd: sb.project, env: sb.env });
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /done here/);

  const clean = await mcp(['clean'], { cwd: sb.project, env: sb.env });
  assert.equal(clean.code, 2);
  assert.match(clean.stderr, /^mcp: .*tasks\.db cannot be opened — check the state root exists and is writable\n$/);
});
