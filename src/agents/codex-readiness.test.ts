import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readDoctorReport } from './codex-readiness.js';

// `codex doctor --json` of the real codex 0.169.0, captured against the scripted model's config.
function fixture(name: string): string {
  return readFileSync(new URL(`../../../src/agents/fixtures/codex-0.169.0-doctor-${name}.json`, import.meta.url), 'utf8');
}

test('a provider whose env_key is unset cannot be used, and Codex says what to set', () => {
  const readiness = readDoctorReport(fixture('missing-key'));
  assert.equal(readiness.usable, false);
  assert.equal(readiness.problem, 'active model provider auth env var is missing');
  assert.equal(readiness.fix, 'Set MCP_SCRIPTED_MODEL_KEY for the active model provider.');
});

test('credentials present and the provider answering: usable, no warning', () => {
  assert.deepEqual(readDoctorReport(fixture('ok')), { usable: true, problem: null, fix: null, warnings: [] });
});

test('credentials present but the provider unreachable: usable, with a warning', () => {
  const readiness = readDoctorReport(fixture('unreachable'));
  assert.equal(readiness.usable, true);
  assert.equal(readiness.warnings.length, 1);
  assert.match(readiness.warnings[0] ?? '', /unreachable over HTTP/);
});

test('an answer Codex did not give as a report tells nothing', () => {
  for (const text of ['', 'error: unknown subcommand doctor', '{"checks": 3}', '[]']) {
    assert.equal(readDoctorReport(text).usable, null, text);
  }
});
