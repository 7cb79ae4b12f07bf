import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpawnRefusedError } from '../domain/errors.js';
import { assertSpawnAllowed } from './spawn-policy.js';

const ALLOW = ['git', 'npm', 'node'];
const CODEX = '/opt/tools/node_modules/.bin/codex';

function refused(argv0: string): SpawnRefusedError {
  let caught: unknown;
  try {
    assertSpawnAllowed(argv0, ALLOW, CODEX);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SpawnRefusedError, `${JSON.stringify(argv0)} must be refused`);
  assert.equal(caught.exitCode, 2);
  assert.equal(caught.message, `refused to start ${JSON.stringify(argv0)}: only codex and the allow-list (git, npm, node) may run`);
  return caught;
}

test('assertSpawnAllowed: the codex binary passes, by its exact path', () => {
  assert.equal(assertSpawnAllowed(CODEX, ALLOW, CODEX), undefined);
  assert.equal(assertSpawnAllowed('codex', [], 'codex'), undefined);
});

test('assertSpawnAllowed: bare allow-listed names pass', () => {
  for (const name of ALLOW) assert.equal(assertSpawnAllowed(name, ALLOW, CODEX), undefined);
});

test('assertSpawnAllowed: paths, other programs and look-alikes are refused', () => {
  refused('/usr/bin/git');
  refused('rm');
  refused('../git');
  refused('./git');
  refused('bin/git');
  refused('git ');
  refused('');
  // Another codex than the configured one is not the codex binary.
  refused('/tmp/evil/codex');
  refused('codex');
});

test('assertSpawnAllowed: the hint says how to allow a command', () => {
  assert.match(refused('rg').hint ?? '', /mcp\.config\.json/);
});
