import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { OutputLog } from './output-log.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-output-log-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const ended = (log: OutputLog): Promise<void> => new Promise((resolve) => log.end(resolve));

test('OutputLog: a quick write is in the file when write returns, nothing pending', async () => {
  const file = path.join(tmp, 'quick.log');
  const errors: Error[] = [];
  const log = new OutputLog(file, (error) => errors.push(error));
  log.write(Buffer.from('first '));
  assert.equal(readFileSync(file, 'utf8'), 'first ');
  assert.equal(log.pending, 0);
  assert.equal(log.keepsChunks, false, 'the caller may reuse what it wrote');
  log.write(Buffer.from('second'));
  await ended(log);
  log.write(Buffer.from(' after the end'));
  assert.equal(readFileSync(file, 'utf8'), 'first second');
  assert.deepEqual(errors, []);
});

test('OutputLog: after a slow write the rest goes through a stream, in order, all of it by the end', async () => {
  const file = path.join(tmp, 'slow.log');
  // Every write counts as slow: the first is written at once, the next ones are queued.
  const log = new OutputLog(file, (error) => assert.fail(error), 0);
  log.write(Buffer.from('a'));
  assert.equal(log.keepsChunks, true, 'from now on a chunk is read after write returns');
  const chunks = Array.from({ length: 200 }, (_, i) => Buffer.alloc(16 * 1024, 98 + (i % 20)));
  for (const chunk of chunks) log.write(chunk);
  assert.ok(log.pending > 0, 'queued, not written at once');
  await new Promise<void>((resolve) => log.onceDrained(resolve));
  assert.equal(log.pending, 0);
  log.write(Buffer.from('z'));
  await ended(log);
  assert.deepEqual(readFileSync(file), Buffer.concat([Buffer.from('a'), ...chunks, Buffer.from('z')]));
});

// /dev/full answers every write with ENOSPC, as a full disk would.
test('OutputLog: a failed write is reported once, and what follows is dropped', async () => {
  const errors: Error[] = [];
  const log = new OutputLog('/dev/full', (error) => errors.push(error));
  log.write(Buffer.from('one'));
  log.write(Buffer.from('two'));
  await ended(log);
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? '', /^ENOSPC: no space left on device, write/);
});

test('OutputLog: a file that cannot be opened is reported after construction, not thrown; not at all once ended', async () => {
  const errors: Error[] = [];
  const missing = path.join(tmp, 'no such dir', 'stdout.log');
  const log = new OutputLog(missing, (error) => errors.push(error));
  assert.equal(errors.length, 0, 'the caller can finish constructing what owns the log first');
  log.write(Buffer.from('lost'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? '', /ENOENT/);
  await ended(log);

  const given: Error[] = [];
  const abandoned = new OutputLog(missing, (error) => given.push(error));
  await ended(abandoned);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(given, [], 'a log given up on (a spawn that failed) reports nothing');
});
