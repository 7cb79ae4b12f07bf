import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { cacheDir, loadCached } from './compile-cache.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-compile-cache-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A CommonJS file using what `require` gives a module; `tag` is part of what it exports. */
function fixture(dir: string, tag: string): string {
  const file = path.join(dir, 'index.cjs');
  writeFileSync(file, `const path = require('node:path');\nmodule.exports = { tag: ${JSON.stringify(tag)}, base: path.basename(__filename), self: this === exports };\n`);
  return file;
}

/**
 * Loads `file` in a process of its own, as `mcp` does (V8 also keeps compiled code within
 * one process, which would hide what the cache did); the cache is written as it exits.
 */
function load(file: string, caches: string): { exports: Record<string, unknown>; fromCache: boolean } {
  const module = new URL('./compile-cache.js', import.meta.url).href;
  const script = `const { loadCached } = await import(${JSON.stringify(module)}); process.stdout.write(JSON.stringify(loadCached(process.argv[1], 'demo', process.argv[2])));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, file, caches], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(child.status, 0, `${child.error?.message ?? ''} ${child.stderr}`);
  return JSON.parse(child.stdout) as { exports: Record<string, unknown>; fromCache: boolean };
}

const cachesIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

test('compile cache: compiled afresh and cached as the process exits, then loaded from the cache', () => {
  const dir = mkdtempSync(path.join(tmp, 'a-'));
  const caches = path.join(dir, 'cache');
  const file = fixture(dir, 'one');
  assert.deepEqual(load(file, caches), { exports: { tag: 'one', base: 'index.cjs', self: true }, fromCache: false });
  const [cache] = cachesIn(caches);
  assert.match(cache ?? '', /^demo-[0-9a-f]{32}\.v8$/);
  assert.deepEqual(load(file, caches), { exports: { tag: 'one', base: 'index.cjs', self: true }, fromCache: true });
  assert.deepEqual(cachesIn(caches), [cache]);
});

test('compile cache: other code of the same length never runs from an old cache, which is replaced', () => {
  const dir = mkdtempSync(path.join(tmp, 'b-'));
  const caches = path.join(dir, 'cache');
  load(fixture(dir, 'one'), caches);
  const [old] = cachesIn(caches);
  // V8 would take the old cache for this source: it checks the length only.
  const second = load(fixture(dir, 'two'), caches);
  assert.equal(second.exports.tag, 'two');
  assert.equal(second.fromCache, false);
  const now = cachesIn(caches);
  assert.equal(now.length, 1);
  assert.notEqual(now[0], old);
});

test('compile cache: a corrupt cache is not used and is written again; no place to write one costs nothing', () => {
  const dir = mkdtempSync(path.join(tmp, 'c-'));
  const caches = path.join(dir, 'cache');
  const file = fixture(dir, 'one');
  load(file, caches);
  const [cache] = cachesIn(caches);
  const cacheFile = path.join(caches, cache ?? '');
  const garbage = Buffer.alloc(4096, 7);
  writeFileSync(cacheFile, garbage);
  assert.deepEqual(load(file, caches), { exports: { tag: 'one', base: 'index.cjs', self: true }, fromCache: false });
  assert.notDeepEqual(readFileSync(cacheFile), garbage, 'written again');
  assert.equal(load(file, caches).fromCache, true);

  const blocked = path.join(dir, 'a file');
  writeFileSync(blocked, '');
  assert.equal(load(file, path.join(blocked, 'cache')).exports.tag, 'one');
  // mkdir says ENOENT there, under a directory that exists: Node's recursive mkdir never ends.
  assert.equal(load(file, '/proc/mcp-no-such-dir/cache').exports.tag, 'one');
  assert.equal(loadCached(file, 'demo', null).exports.tag, 'one', 'without a cache directory it just compiles');
});

test('compile cache: kept under $XDG_CACHE_HOME when it is absolute, else under ~/.cache', () => {
  assert.equal(cacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' }), '/x/cache/mcp');
  assert.equal(cacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' }), '/home/u/.cache/mcp');
  assert.equal(cacheDir({ HOME: '/home/u' }), '/home/u/.cache/mcp');
});
