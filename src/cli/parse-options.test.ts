import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../domain/errors.js';
import { parseAge } from './parse-options.js';

test('parseAge: days, hours and minutes, to milliseconds', () => {
  assert.equal(parseAge('7d', '--older-than'), 7 * 86_400_000);
  assert.equal(parseAge('12h', '--older-than'), 12 * 3_600_000);
  assert.equal(parseAge(' 30m ', '--older-than'), 30 * 60_000);
  assert.equal(parseAge('0m', '--older-than'), 0);
});

test('parseAge: anything else is a one-line usage error (exit 2) naming the flag and the forms', () => {
  for (const raw of ['', '7', 'd', '7w', '1.5h', '-1d', '7 d', 'seven days', '7D', `${'9'.repeat(30)}d`]) {
    assert.throws(
      () => parseAge(raw, '--older-than'),
      (error: unknown) => error instanceof UsageError && error.exitCode === 2 && /^--older-than takes .*7d, 12h, 30m/.test(error.message) && !error.message.includes('\n'),
      raw,
    );
  }
});
