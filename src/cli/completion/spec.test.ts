import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completionSpec } from './spec.js';
import { sample } from './test-support.js';

test('the spec comes from the program: visible commands, option values by kind, arguments by name', () => {
  const spec = completionSpec(sample());
  assert.deepEqual(
    spec.commands.map((c) => c.name),
    ['logs', 'merge', 'status', 'help'],
  );
  const logs = spec.commands[0];
  assert.deepEqual(logs?.args, ['ids']);
  assert.deepEqual(
    logs?.options.map((o) => [o.short ?? '', o.long, o.value, o.choices.join(' ')]),
    [
      ['-f', '--follow', 'none', ''],
      ['', '--stream', 'choice', 'stdout stderr'],
      ['', '--state-dir', 'dir', ''],
      ['-h', '--help', 'none', ''],
    ],
  );
  const merge = spec.commands[1];
  assert.deepEqual(merge?.args, ['runs']);
  assert.deepEqual(merge?.options.slice(0, 2).map((o) => o.value), ['file', 'text']);
  assert.deepEqual(spec.commands[2]?.options[0]?.choices.slice(0, 3), ['pending', 'ready', 'running']);
  assert.deepEqual(spec.commands[3]?.args, ['commands']);
  assert.ok(spec.options.some((o) => o.long === '--debug'));
});
