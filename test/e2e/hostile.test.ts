import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { mcp, sandbox, status, taskOf, writePlan, type Sandbox } from './harness.js';

let sb: Sandbox;

before(async () => {
  sb = await sandbox({
    rules: [
      { match: 'DROPPED_STREAM', steps: [{ drop: true }] },
      { match: 'BIG_PROMPT', steps: [{ say: 'read it all' }] },
    ],
  });
});

after(async () => sb.cleanup());

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.doesNotMatch(stderr, /\n\s+at |node:internal/);
  return lines[0] ?? '';
}

test('a plan file over the size limit is refused before it is read', async () => {
  writeFileSync(path.join(sb.project, 'huge.json'), `{"tasks":[],"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`);
  const result = await mcp(['run', '--plan', 'huge.json'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 2);
  assert.match(oneLine(result.stderr), /huge\.json: \d+ bytes is over the 4194304-byte limit/);
});

test('a prompt of 1 MB reaches Codex whole (through stdin, not argv)', async () => {
  const prompt = `BIG_PROMPT ${'word '.repeat(200_000)}`;
  writePlan(sb.project, { tasks: [{ id: 'big', prompt }] }, 'big.json');
  const result = await mcp(['run', '--plan', 'big.json'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr);
  const seen = sb.model.records().find((r) => r.userText.includes('BIG_PROMPT'));
  assert.ok((seen?.userText.length ?? 0) >= prompt.length);
});

test('a model server that drops the connection mid-stream fails the task with the reason', async () => {
  writePlan(sb.project, { tasks: [{ id: 'dropped', prompt: 'DROPPED_STREAM' }] }, 'drop.json');
  const result = await mcp(['run', '--plan', 'drop.json', '--max-attempts', '1', '--max-replans', '0'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 1);
  const task = taskOf(await status(sb), 'dropped');
  assert.equal(task.status, 'failed');
  assert.match(task.reason ?? '', /codex turn failed: .*(stream|disconnect|closed)/i);
});

test('a codex binary that hangs before printing anything is stopped by the idle timeout', async () => {
  const fake = path.join(sb.dir, 'hanging-codex');
  writeFileSync(fake, '#!/bin/sh\nexec sleep 300\n');
  chmodSync(fake, 0o755);
  writePlan(sb.project, { tasks: [{ id: 'hung', prompt: 'anything' }] }, 'hung.json');
  const started = Date.now();
  const result = await mcp(['run', '--plan', 'hung.json', '--idle-timeout', '1.5', '--max-attempts', '1', '--max-replans', '0'], {
    cwd: sb.project,
    env: { ...sb.env, MCP_CODEX_BIN: fake },
  });
  assert.equal(result.code, 1);
  assert.ok(Date.now() - started < 30_000);
  const task = taskOf(await status(sb), 'hung');
  assert.equal(task.status, 'timed_out');
  assert.match(task.reason ?? '', /idle timeout: no output for 1\.5 s/);
});

test('output on stderr alone keeps a task alive under the idle timeout', async () => {
  // Eight lines on stderr, 500 ms apart (4 s in all), nothing on stdout; the idle limit is 2 s.
  const script = "let n = 0; const t = setInterval(() => { process.stderr.write('tick ' + n + '\\n'); if (++n === 8) clearInterval(t); }, 500);";
  writePlan(sb.project, { tasks: [{ id: 'chatty', command: ['node', '-e', script] }] }, 'chatty.json');
  const result = await mcp(['run', '--plan', 'chatty.json', '--idle-timeout', '2', '--max-attempts', '1', '--max-replans', '0'], { cwd: sb.project, env: sb.env });
  const task = taskOf(await status(sb), 'chatty');
  assert.equal(task.status, 'succeeded', `${task.reason ?? ''}\n${result.stderr}`);
  assert.equal(result.code, 0);
});

test('a state root that cannot be created is one line and exit 2', async () => {
  // sysfs refuses new directories even to root: a state root that cannot be made.
  const result = await mcp(['run', '--plan', 'big.json', '--state-dir', '/sys/mcp-e2e-state'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 2);
  assert.match(oneLine(result.stderr), /state root \/sys\/mcp-e2e-state is not writable/);
});

test('a corrupted tasks.db is detected and the user is told how to recover from snapshot.json', async () => {
  const json = await status(sb);
  const db = path.join(json.stateRoot, 'store', 'tasks.db');
  const saved = path.join(sb.dir, 'tasks.db.saved');
  copyFileSync(db, saved);
  writeFileSync(db, Buffer.alloc(8192, 0x5a));
  for (const file of ['tasks.db-wal', 'tasks.db-shm']) writeFileSync(path.join(json.stateRoot, 'store', file), '');
  try {
    const result = await mcp(['status'], { cwd: sb.project, env: sb.env });
    assert.equal(result.code, 2);
    assert.match(oneLine(result.stderr), /tasks\.db is corrupt .*snapshot\.json/);
    // The snapshot it points to is whole and readable.
    const snapshot = JSON.parse(readFileSync(path.join(json.stateRoot, 'store', 'snapshot.json'), 'utf8')) as { runs: unknown[] };
    assert.ok(snapshot.runs.length >= 1);
  } finally {
    copyFileSync(saved, db);
  }
});
