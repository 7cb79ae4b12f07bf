import { MAX_DURATION_SECONDS } from '../domain/duration-limit.js';
import { UsageError } from '../domain/errors.js';

/** A whole number from `min` to `max`; the message names the range that is accepted. */
export function parseCount(raw: string, flag: string, max: number, min = 1): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  }
  return n;
}

/**
 * Every flag that gives seconds (`--task-timeout`, `--idle-timeout`, `--retry-backoff`,
 * `--interval`): more than 0, at most the week plan and config fields allow too.
 */
export function parseSeconds(raw: string, flag: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0 || n > MAX_DURATION_SECONDS) {
    throw new UsageError(`${flag} must be a number of seconds above 0 and at most ${MAX_DURATION_SECONDS} (a week), not ${JSON.stringify(raw)}`);
  }
  return n;
}

const AGE_UNIT_MS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/** `7d`, `12h`, `30m` -> milliseconds. */
export function parseAge(raw: string, flag: string): number {
  const match = /^(\d+)([dhm])$/.exec(raw.trim());
  const ms = match ? Number(match[1]) * (AGE_UNIT_MS[match[2] ?? ''] ?? 0) : NaN;
  if (!Number.isSafeInteger(ms)) throw new UsageError(`${flag} takes a whole number and a unit, d, h or m (7d, 12h, 30m), not ${JSON.stringify(raw)}`);
  return ms;
}
