import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { clockMs, continueWalk, directoryBytes, entryBytes, startWalk, type Walk } from './disk-usage.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-disk-usage-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** What `du -s` says, in bytes: the figure a user checks against. */
function du(dir: string, exclude?: string): number {
  const args = ['-s', '-B1', ...(exclude ? [`--exclude=${exclude}`] : []), dir];
  return Number(execFileSync('du', args, { encoding: 'utf8' }).split('\t')[0]);
}

function tree(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(path.join(dir, 'a', 'b', 'c'), { recursive: true });
  writeFileSync(path.join(dir, 'small.txt'), 'x');
  writeFileSync(path.join(dir, 'a', 'big.bin'), Buffer.alloc(300_000, 7));
  writeFileSync(path.join(dir, 'a', 'b', 'c', 'empty'), '');
  for (let i = 0; i < 40; i += 1) writeFileSync(path.join(dir, 'a', 'b', `f${i}`), 'y'.repeat(i * 100));
  // A hard link counts once (du does the same); a symlink is itself, never what it points to.
  linkSync(path.join(dir, 'a', 'big.bin'), path.join(dir, 'a', 'b', 'big-again.bin'));
  symlinkSync('/usr', path.join(dir, 'usr-link'));
  return dir;
}

test('directoryBytes counts what du -s counts: blocks of every entry, hard links once, symlinks not followed', () => {
  const dir = tree('plain');
  assert.equal(directoryBytes(dir), du(dir));
  assert.ok(du(dir) > 300_000);
});

test('directoryBytes leaves out excluded paths with everything under them', () => {
  const dir = tree('exclude');
  assert.equal(directoryBytes(dir, { exclude: [path.join(dir, 'a')] }), du(dir, path.join(dir, 'a')));
});

test('directoryBytes: a missing path is 0, a file is its own blocks, a passed deadline gives up (null)', () => {
  assert.equal(directoryBytes(path.join(tmp, 'nothing-here')), 0);
  const dir = tree('deadline');
  assert.equal(directoryBytes(path.join(dir, 'a', 'big.bin')), entryBytes(path.join(dir, 'a', 'big.bin')));
  assert.equal(directoryBytes(dir, { deadline: clockMs() - 1 }), null);
  assert.equal(directoryBytes(dir, { deadline: clockMs() + 60_000 }), du(dir));
});

test('a walk stopped at its deadline goes on from where it stopped, through JSON, to the same figure', () => {
  const dir = tree('resume');
  let walk: Walk = startWalk([dir]);
  let calls = 0;
  // Deadlines already passed: a few entries a call (the clock is read every 16), the walk kept as JSON between calls.
  for (let done = false; !done; calls += 1) {
    walk = JSON.parse(JSON.stringify(walk)) as Walk;
    done = continueWalk(walk, clockMs() - 1);
    assert.ok(calls < 100);
  }
  assert.ok(calls > 2, `${calls} calls`);
  assert.equal(walk.bytes, du(dir));
});

test('a walk of several paths counts each (missing ones as nothing), without what it excludes', () => {
  const one = tree('several-1');
  const two = tree('several-2');
  const walk = startWalk([one, path.join(tmp, 'missing'), two], [path.join(two, 'a')]);
  assert.equal(continueWalk(walk), true);
  assert.equal(walk.bytes, du(one) + du(two, path.join(two, 'a')));
});
