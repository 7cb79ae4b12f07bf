import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapLimit } from './map-limit.js';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('mapLimit: never more than the limit at once, every item once, results in order', async () => {
  let running = 0;
  let most = 0;
  const seen: number[] = [];
  const results = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n, index) => {
    running += 1;
    most = Math.max(most, running);
    seen.push(index);
    await tick(n);
    running -= 1;
    return n * 10;
  });
  assert.deepEqual(results, [50, 10, 40, 20, 30, 0, 60]);
  assert.equal(most, 3);
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(await mapLimit([], 4, async () => 1), []);
});

test('mapLimit: the first failure rejects', async () => {
  await assert.rejects(
    mapLimit([1, 2, 3], 2, async (n) => {
      await tick(n);
      if (n === 2) throw new Error('two failed');
      return n;
    }),
    /two failed/,
  );
});
