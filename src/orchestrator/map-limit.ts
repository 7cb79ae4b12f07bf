import os from 'node:os';

/**
 * How many git commands a clean keeps going at once: each is a process of its own, mostly
 * CPU, so about one a core (and two on the smallest machines, where one waits on the disk
 * while the other runs).
 */
export const GIT_AT_ONCE = Math.min(8, Math.max(2, os.availableParallelism()));

/**
 * `fn` over `items`, at most `limit` at once; the results in the items' order. The first
 * failure rejects, as a loop of awaits would; what was already started still runs to its end.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
