import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskState } from '../domain/task-state.js';
import { tasksToBlock } from './dag.js';

interface T {
  key: string;
  status: TaskState;
  dependsOn: string[];
}

function t(key: string, status: TaskState, dependsOn: string[] = []): T {
  return { key, status, dependsOn };
}

function summary(tasks: T[]): [string, string][] {
  return tasksToBlock(tasks).map(({ task, reason }) => [task.key, reason]);
}

test('tasksToBlock: nothing failed, nothing blocked', () => {
  assert.deepEqual(summary([t('a', 'succeeded'), t('b', 'pending', ['a']), t('c', 'running', ['b'])]), []);
  assert.deepEqual(summary([]), []);
});

test('tasksToBlock: a chain is blocked to its end, whatever the list order', () => {
  assert.deepEqual(summary([t('a', 'failed'), t('b', 'pending', ['a']), t('c', 'pending', ['b'])]), [
    ['b', 'dependency a failed'],
    ['c', 'dependency b blocked'],
  ]);
  assert.deepEqual(summary([t('c', 'pending', ['b']), t('b', 'ready', ['a']), t('a', 'failed')]), [
    ['b', 'dependency a failed'],
    ['c', 'dependency b blocked'],
  ]);
});

test('tasksToBlock: a diamond blocks both branches and the join once', () => {
  const tasks = [t('a', 'timed_out'), t('b', 'pending', ['a']), t('c', 'pending', ['a']), t('d', 'pending', ['b', 'c'])];
  const out = tasksToBlock(tasks);
  assert.deepEqual(
    out.map(({ task, reason }) => [task.key, reason]),
    [
      ['b', 'dependency a timed out'],
      ['c', 'dependency a timed out'],
      ['d', 'dependency b blocked'],
    ],
  );
  // The very task objects are returned, not copies, and the input is not modified.
  assert.equal(out[0]?.task, tasks[1]);
  assert.equal(tasks[1]?.status, 'pending');
});

test('tasksToBlock: a diamond with one good branch still blocks the join', () => {
  assert.deepEqual(summary([t('a', 'succeeded'), t('b', 'killed', ['a']), t('c', 'succeeded', ['a']), t('d', 'ready', ['c', 'b'])]), [
    ['d', 'dependency b killed'],
  ]);
});

test('tasksToBlock: only pending, ready and interrupted tasks are blocked', () => {
  const others: TaskState[] = ['running', 'waiting_approval', 'retrying', 'succeeded', 'failed', 'killed', 'timed_out', 'blocked'];
  const tasks = [
    t('a', 'failed'),
    ...others.map((s) => t(`x-${s}`, s, ['a'])),
    t('p', 'pending', ['a']),
    t('r', 'ready', ['a']),
    t('i', 'interrupted', ['a']),
  ];
  assert.deepEqual(summary(tasks), [
    ['p', 'dependency a failed'],
    ['r', 'dependency a failed'],
    ['i', 'dependency a failed'],
  ]);
});

test('tasksToBlock: only failed, killed, timed_out and blocked dependencies block', () => {
  const fine: TaskState[] = ['pending', 'ready', 'running', 'waiting_approval', 'retrying', 'succeeded', 'interrupted'];
  for (const status of fine) {
    assert.deepEqual(summary([t('a', status), t('b', 'pending', ['a'])]), [], status);
  }
  assert.deepEqual(summary([t('a', 'blocked'), t('b', 'pending', ['a'])]), [['b', 'dependency a blocked']]);
  // A dependency the list does not hold is not a reason to block.
  assert.deepEqual(summary([t('b', 'pending', ['ghost'])]), []);
});

test('tasksToBlock: the reason names the first bad dependency in dependsOn order', () => {
  assert.deepEqual(summary([t('a', 'killed'), t('b', 'failed'), t('c', 'succeeded'), t('d', 'pending', ['c', 'b', 'a'])]), [
    ['d', 'dependency b failed'],
  ]);
});
