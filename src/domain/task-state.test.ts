import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endedRunState, type TaskState } from './task-state.js';

const tasks = (...states: TaskState[]): { status: TaskState }[] => states.map((status) => ({ status }));

test('a run whose tasks were all killed (a resume, or kills by PID) ends killed, not failed', () => {
  assert.equal(endedRunState(tasks('killed')), 'killed');
  assert.equal(endedRunState(tasks('killed', 'blocked', 'killed')), 'killed');
  assert.equal(endedRunState(tasks('succeeded', 'killed', 'blocked')), 'killed');
});

test('a failed or timed-out task, or a stall, makes the run failed; a kill of the run makes it killed', () => {
  assert.equal(endedRunState(tasks('killed', 'failed')), 'failed');
  assert.equal(endedRunState(tasks('timed_out', 'killed')), 'failed');
  assert.equal(endedRunState(tasks('succeeded', 'blocked')), 'failed');
  assert.equal(endedRunState(tasks('killed'), { stalled: true }), 'failed');
  assert.equal(endedRunState(tasks('succeeded', 'failed'), { killRequested: true }), 'killed');
  assert.equal(endedRunState(tasks('succeeded', 'succeeded')), 'succeeded');
});
