import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { migrateLayout } from './layout-migration.js';
import { StateRoot } from './state-root.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-layout-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

test('an old state root: run folders move to run-records/, plan exchanges to plans/, task folders stay', () => {
  const dir = path.join(tmp, 'old');
  write(path.join(dir, 'runs', '_runs', 'r0000aaaa', 'events.ndjson'), 'run events\n');
  write(path.join(dir, 'runs', '_runs', 'r0000aaaa', 'plan-1', 'answer-1.md'), 'the plan');
  write(path.join(dir, 'runs', '_plans', '2026-01-01T00-00-00-000Z', 'prompt-1.md'), 'plan prompt');
  write(path.join(dir, 'runs', 'r0000aaaa-build', 'stdout.log'), 'task output');
  const moved = migrateLayout(dir);
  const root = new StateRoot(dir);
  assert.equal(moved.length, 2);
  assert.equal(readFileSync(root.runFiles('r0000aaaa').events, 'utf8'), 'run events\n');
  assert.equal(readFileSync(path.join(root.runFiles('r0000aaaa').plannerDir('plan-1'), 'answer-1.md'), 'utf8'), 'the plan');
  assert.equal(readFileSync(path.join(root.plansDir, '2026-01-01T00-00-00-000Z', 'prompt-1.md'), 'utf8'), 'plan prompt');
  assert.equal(readFileSync(root.taskFiles('r0000aaaa-build').stdout, 'utf8'), 'task output');
  assert.equal(existsSync(path.join(dir, 'runs', '_runs')), false);
  assert.equal(existsSync(path.join(dir, 'runs', '_plans')), false);
  assert.deepEqual(migrateLayout(dir), [], 'a second pass has nothing to do');
});

test('a folder already in its new place is never overwritten; the old one stays where it was', () => {
  const dir = path.join(tmp, 'both');
  write(path.join(dir, 'runs', '_runs', 'r0000bbbb', 'events.ndjson'), 'old');
  write(path.join(dir, 'run-records', 'r0000bbbb', 'events.ndjson'), 'new');
  assert.deepEqual(migrateLayout(dir), []);
  assert.equal(readFileSync(path.join(dir, 'run-records', 'r0000bbbb', 'events.ndjson'), 'utf8'), 'new');
  assert.equal(readFileSync(path.join(dir, 'runs', '_runs', 'r0000bbbb', 'events.ndjson'), 'utf8'), 'old');
});

test('a new or empty state root: nothing to do', () => {
  assert.deepEqual(migrateLayout(path.join(tmp, 'nothing-here')), []);
});
