import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { commandTask, tempStateRoot } from '../store/test-support.js';
import { RunStory } from './run-story.js';

test("a run's story interleaves its own events and its tasks' in time order, and waits for a line still being written", () => {
  const { root, store } = tempStateRoot('story');
  store.createRun({
    run: { id: 'rstory001', objective: 'o', status: 'running', project: '/p', planJson: '{}', parallel: 2, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
    tasks: [commandTask('rstory001', 'a', 'running', 0), commandTask('rstory001', 'b', 'running', 1)],
  });
  const line = (task: string, second: number, event: object): string => `${JSON.stringify({ ts: `2024-05-01T10:00:${String(second).padStart(2, '0')}.000Z`, task, ...event })}\n`;
  const runEvents = root.runFiles('rstory001').events;
  mkdirSync(path.dirname(runEvents), { recursive: true });
  writeFileSync(runEvents, line('rstory001', 1, { type: 'planning', objective: 'build it' }));
  for (const key of ['a', 'b']) mkdirSync(root.taskDir(`rstory001-${key}`), { recursive: true });
  const a = root.taskFiles('rstory001-a').events;
  const b = root.taskFiles('rstory001-b').events;
  writeFileSync(a, line('rstory001-a', 2, { type: 'state', from: 'pending', to: 'ready' }) + line('rstory001-a', 3, { type: 'started', pid: 1, argv: ['x'], cwd: '/w', attempt: 1 }) + line('rstory001-a', 6, { type: 'state', from: 'running', to: 'failed', reason: 'exit 1' }));
  const bEnd = line('rstory001-b', 5, { type: 'state', from: 'running', to: 'succeeded' });
  writeFileSync(b, line('rstory001-b', 4, { type: 'started', pid: 2, argv: ['y'], cwd: '/w', attempt: 2 }) + bEnd.slice(0, 10));

  const story = new RunStory(root, store, 'rstory001');
  assert.equal(story.next(), ['10:00:01  planning: build it', '10:00:03  a                running', '10:00:04  b                running  attempt 2', '10:00:06  a                failed  exit 1', ''].join('\n'));
  appendFileSync(b, bEnd.slice(10));
  assert.equal(story.next(), '10:00:05  b                succeeded\n');
  assert.equal(story.next(), '');
  store.updateRun('rstory001', { status: 'failed', reason: 'a failed', endedAt: '2024-05-01T10:00:07.000Z' });
  assert.equal(story.ending(store.getRun('rstory001')!), '10:00:07  run rstory001 failed: a failed\n');
});

test('a run started with its plan (mcp run --plan) has no planned event: its story tells that plan first, once', () => {
  const { root, store } = tempStateRoot('story-given');
  const plan = { objective: 'given', tasks: [{ id: 'a', command: ['node', '-e', '0'], dependsOn: [] }] };
  store.createRun({
    run: { id: 'rstory002', objective: 'given', status: 'running', project: '/p', planJson: JSON.stringify(plan), parallel: 1, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
    tasks: [commandTask('rstory002', 'a', 'running', 0)],
  });
  mkdirSync(root.taskDir('rstory002-a'), { recursive: true });
  writeFileSync(root.taskFiles('rstory002-a').events, `${JSON.stringify({ ts: '2024-05-01T10:00:01.000Z', task: 'rstory002-a', type: 'started', pid: 1, argv: ['x'], cwd: '/w', attempt: 1 })}\n`);

  const story = new RunStory(root, store, 'rstory002');
  assert.equal(story.next(), ['10:00:00  plan v1, 1 task:', '  a: $ node -e 0', '10:00:01  a                running', ''].join('\n'));
  assert.equal(story.next(), '');
});
