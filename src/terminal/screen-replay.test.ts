import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScreenReplay } from './screen-replay.js';

test('ScreenReplay: output faster than it parses stays bounded, and the screen catches up', async () => {
  const replay = new ScreenReplay('/nonexistent', 80, 24, false);
  // 64 MB at once, before the terminal could parse any of it: xterm alone queues it all and
  // throws past 50 MB ("write data discarded").
  let total = 0;
  let maxUnparsed = 0;
  for (let i = 0; i < 16_384; i += 1) {
    const chunk = Buffer.from(`${`line ${i} `.padEnd(78, '.')}\r\n`.repeat(50));
    replay.write(chunk);
    total += chunk.length;
    maxUnparsed = Math.max(maxUnparsed, replay.unparsedBytes);
  }
  assert.ok(maxUnparsed <= 4 * 1024 * 1024 + 4096, `unparsed at most ${maxUnparsed} bytes`);
  const snapshot = await replay.snapshot();
  assert.ok(replay.rebuilds >= 1);
  assert.equal(snapshot.position, total);
  const lines = replay.visibleLines().filter((l) => l.startsWith('line '));
  assert.match(lines.at(-1) ?? '', /^line 16383 /);
  // Live output after a rebuild is parsed as usual.
  replay.write(Buffer.from('\r\nthe end'));
  await replay.snapshot();
  assert.match(replay.visibleLines().filter(Boolean).at(-1) ?? '', /^the end/);
  replay.dispose();
});
