import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readFileTail } from './file-tail.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-file-tail-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the last bytes of a file, never any before `from`', () => {
  const file = path.join(dir, 'log');
  writeFileSync(file, 'first attempt\nsecond attempt\n');
  assert.equal(readFileTail(file, 7).toString(), 'ttempt\n');
  assert.equal(readFileTail(file, 100).toString(), 'first attempt\nsecond attempt\n');
  assert.equal(readFileTail(file, 100, 14).toString(), 'second attempt\n');
  assert.equal(readFileTail(file, 100, 29).toString(), '');
  assert.equal(readFileTail(file, 100, 500).toString(), '');
  assert.equal(readFileTail(path.join(dir, 'missing'), 100).toString(), '');
});
