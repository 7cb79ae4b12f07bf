import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { openDatabase, SCHEMA_VERSION } from './database.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-database-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// Each process waits for the same file to appear, so they open the new store together.
const OPENER = `
  const { existsSync } = require('node:fs');
  const [file, go, mod] = process.argv.slice(1);
  import(mod).then(({ openDatabase }) => {
    while (!existsSync(go)) {}
    try { openDatabase(file).close(); process.stdout.write('ok'); } catch (e) { process.stdout.write('error: ' + e.message); }
  });
`;

function opener(file: string, go: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', OPENER, file, go, new URL('./database.js', import.meta.url).href], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

test('openDatabase: processes creating the same store at once all open it (a status while mcp run creates it)', async () => {
  for (let round = 0; round < 3; round += 1) {
    const file = path.join(tmp, `tasks-${round}.db`);
    const go = path.join(tmp, `go-${round}`);
    const results = Array.from({ length: 6 }, () => opener(file, go));
    // Long enough for every child to load the module and wait at the line.
    await new Promise((resolve) => setTimeout(resolve, 800));
    writeFileSync(go, '');
    assert.deepEqual(await Promise.all(results), Array(6).fill('ok'));
    const db = openDatabase(file);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    db.close();
  }
});
