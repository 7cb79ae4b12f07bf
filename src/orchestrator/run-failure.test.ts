import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskRecord } from '../store/records.js';
import { runFailureReason } from './run-failure.js';

const task = (key: string, position: number, status: TaskRecord['status'], reason: string | null = null): TaskRecord => ({ key, position, status, reason }) as TaskRecord;

test('the first task that ended badly, in plan order, with how; the others counted', () => {
  const tasks = [task('ok', 0, 'succeeded'), task('slow', 2, 'timed_out', 'task timeout reached'), task('bad', 1, 'failed', 'exited with code 2'), task('after', 3, 'blocked', 'dependency bad failed')];
  assert.equal(runFailureReason(tasks, null), 'bad failed (exited with code 2), and 1 other task');
});

test('a replan that could not be made is said after it', () => {
  assert.equal(runFailureReason([task('bad', 0, 'killed')], 'replanning failed: codex binary not found'), 'bad was killed; replanning failed: codex binary not found');
});

test('nothing ended badly: only what the replan said, or nothing', () => {
  assert.equal(runFailureReason([task('a', 0, 'blocked')], null), null);
  assert.equal(runFailureReason([task('a', 0, 'succeeded')], 'replanning failed: x'), 'replanning failed: x');
});
