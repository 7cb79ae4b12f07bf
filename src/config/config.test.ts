import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '../domain/errors.js';
import { allowListOf, CONFIG_FILE_NAME, DEFAULT_ALLOW_LIST, defaultConfig, loadConfig } from './config.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-config-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** A fresh project directory holding `mcp.config.json` with `text`. */
function project(text?: string): { dir: string; file: string } {
  counter += 1;
  const dir = path.join(tmp, `p${counter}`);
  mkdirSync(dir);
  const file = path.join(dir, CONFIG_FILE_NAME);
  if (text !== undefined) writeFileSync(file, text);
  return { dir, file };
}

function configError(fn: () => unknown, file: string): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.exitCode, 2);
  assert.ok(caught.message.startsWith(`${file}: `), caught.message);
  assert.ok(!caught.message.includes('\n'), `one line: ${JSON.stringify(caught.message)}`);
  return caught.message;
}

test('loadConfig: no config file gives the defaults', () => {
  const { dir } = project();
  const config = loadConfig(dir);
  assert.deepEqual(config, { allow: [], sensitive: [], killGraceSeconds: 5, approvals: { allow: [], deny: [] } });
  assert.deepEqual(config, defaultConfig());
  // The defaults are written out apart from the schema: an empty file goes through the schema.
  assert.deepEqual(loadConfig(project('{}').dir), defaultConfig());
});

test('loadConfig: a valid file is read and defaults fill the rest', () => {
  const { dir } = project(JSON.stringify({ allow: ['rg'], parallel: 4, taskTimeoutSeconds: 90 }));
  assert.deepEqual(loadConfig(dir), { allow: ['rg'], sensitive: [], parallel: 4, taskTimeoutSeconds: 90, killGraceSeconds: 5, approvals: { allow: [], deny: [] } });
  const rules = project(JSON.stringify({ approvals: { allow: ['npm ci'] }, notify: ['node', 'notify.js'] }));
  const loaded = loadConfig(rules.dir);
  assert.deepEqual([loaded.approvals, loaded.notify], [{ allow: ['npm ci'], deny: [] }, ['node', 'notify.js']]);
  const bad = project(JSON.stringify({ approvals: { allow: 'npm ci' } }));
  assert.match(configError(() => loadConfig(bad.dir), bad.file), /approvals\.allow: /);
});

test('loadConfig: an unknown key is refused and named', () => {
  const { dir, file } = project(JSON.stringify({ allow: [], allw: ['rg'] }));
  assert.equal(configError(() => loadConfig(dir), file), `${file}: (top level): unknown key "allw"`);
});

test('loadConfig: a wrong type is refused with the field', () => {
  const a = project(JSON.stringify({ parallel: '4' }));
  assert.match(configError(() => loadConfig(a.dir), a.file), /: parallel: /);
  const b = project(JSON.stringify({ parallel: 0 }));
  assert.match(configError(() => loadConfig(b.dir), b.file), /: parallel: /);
  const c = project(JSON.stringify({ allow: ['/usr/bin/rg'] }));
  assert.equal(configError(() => loadConfig(c.dir), c.file), `${c.file}: allow[0]: a bare command name (no path, no spaces)`);
  const d = project(JSON.stringify({ killGraceSeconds: 601 }));
  assert.match(configError(() => loadConfig(d.dir), d.file), /: killGraceSeconds: /);
  const e = project('[]');
  assert.match(configError(() => loadConfig(e.dir), e.file), /: \(top level\): /);
});

test('loadConfig: invalid JSON is refused', () => {
  const { dir, file } = project('{"allow": [');
  assert.match(configError(() => loadConfig(dir), file), /^.*: not valid JSON \(/);
});

// The JSON.parse message quotes the input with its raw newlines; the ConfigError must not.
test('loadConfig: invalid multi-line JSON still gives a one-line message', () => {
  const { dir, file } = project('{\n  "allow": [\n    rg\n  ]\n}\n');
  configError(() => loadConfig(dir), file);
});

test('loadConfig: an explicit file that does not exist is an error', () => {
  const { dir } = project();
  const explicit = path.join(dir, 'other.json');
  assert.equal(configError(() => loadConfig(dir, explicit), explicit), `${explicit}: cannot read the config (ENOENT)`);
});

test('loadConfig: an explicit file is used instead of the project one', () => {
  const { dir } = project(JSON.stringify({ allow: ['from-project'] }));
  const explicit = path.join(dir, 'custom.json');
  writeFileSync(explicit, JSON.stringify({ allow: ['from-explicit'] }));
  assert.deepEqual(loadConfig(dir, explicit).allow, ['from-explicit']);
});

test('loadConfig: a config path that is a directory is an error, not the defaults', () => {
  const { dir } = project();
  const file = path.join(dir, CONFIG_FILE_NAME);
  mkdirSync(file);
  assert.equal(configError(() => loadConfig(dir), file), `${file}: cannot read the config (EISDIR)`);
});

test('allowListOf: merges the defaults with the config and removes duplicates', () => {
  assert.deepEqual(allowListOf(defaultConfig()), DEFAULT_ALLOW_LIST);
  const merged = allowListOf({ ...defaultConfig(), allow: ['rg', 'git', 'rg', 'deno'] });
  assert.deepEqual(merged, [...DEFAULT_ALLOW_LIST, 'rg', 'deno']);
  assert.equal(new Set(merged).size, merged.length);
  assert.ok(DEFAULT_ALLOW_LIST.includes('git'));
});
