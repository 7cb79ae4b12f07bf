import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../domain/errors.js';
import { MAX_DURATION_SECONDS } from '../domain/duration-limit.js';
import { parseAge, parseCount, parseSeconds } from './parse-options.js';

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

test('parseSeconds: up to a week, fractions included, like timeoutSeconds in a plan or the config', () => {
  assert.equal(parseSeconds('0.5', '--interval'), 0.5);
  assert.equal(parseSeconds(' 90 ', '--task-timeout'), 90);
  assert.equal(parseSeconds(String(MAX_DURATION_SECONDS), '--task-timeout'), 604_800);
});

test('parseSeconds: past a week (Node would fire the timer at once), zero, negative or not a number is a one-line usage error', () => {
  for (const raw of ['604800.5', '3000000', '1e9', 'Infinity', '0', '-1', '', ' ', 'abc', 'NaN']) {
    assert.throws(
      () => parseSeconds(raw, '--idle-timeout'),
      (error: unknown) => error instanceof UsageError && error.exitCode === 2 && /^--idle-timeout must be a number of seconds above 0 and at most 604800 \(a week\), not /.test(error.message) && !error.message.includes('\n'),
      raw,
    );
  }
});

test('parseCount: the range in the message is the range accepted', () => {
  assert.equal(parseCount('0', '--max-replans', 20, 0), 0);
  assert.equal(parseCount('20', '--max-replans', 20, 0), 20);
  assert.throws(() => parseCount('-1', '--max-replans', 20, 0), { message: '--max-replans must be a whole number from 0 to 20, not "-1"' });
  assert.throws(() => parseCount('0', '--parallel', 64), { message: '--parallel must be a whole number from 1 to 64, not "0"' });
});
