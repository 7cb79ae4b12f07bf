import { UsageError } from '../domain/errors.js';

export function parseCount(raw: string, flag: string, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, not ${JSON.stringify(raw)}`);
  }
  return n;
}

export function parseSeconds(raw: string, flag: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of seconds, not ${JSON.stringify(raw)}`);
  return n;
}
