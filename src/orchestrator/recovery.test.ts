import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseEventLine, type StoredEvent, type TaskEvent } from '../domain/events.js';
import type { TaskState } from '../domain/task-state.js';
import type { StateRoot } from '../store/state-root.js';
import { commandTask, tempStateRoot } from '../store/test-support.js';
import { recoverRun } from './recovery.js';
import { SUPERVISOR_STOPPED } from './withdraw-approvals.js';

function writeEvents(root: StateRoot, taskId: string, events: TaskEvent[]): void {
  mkdirSync(root.taskDir(taskId), { recursive: true });
  const ts = '2024-05-01T10:00:00.000Z';
  writeFileSync(root.taskFiles(taskId).events, events.map((event) => `${JSON.stringify({ ts, task: taskId, ...event })}\n`).join(''));
}

function eventsOf(root: StateRoot, taskId: string): StoredEvent[] {
  return readFileSync(root.taskFiles(taskId).events, 'utf8')
    .split('\n')
    .map((line) => parseEventLine(line))
    .filter((event): event is StoredEvent => event !== null);
}

const started = (attempt: number): TaskEvent => ({ type: 'started', pid: 1, argv: ['codex'], cwd: '/w', attempt });
const asked = (id: number): TaskEvent => ({ type: 'approval.requested', id, kind: 'command', command: 'git push origin main', reason: null });

test('recovery withdraws each question the dead supervisor left open, before the task is interrupted; answered ones and an earlier attempt are left alone', async () => {
  const { dir, root, store } = tempStateRoot('recovery');
  const runId = 'rcrash001';
  const states: [string, TaskState][] = [['push', 'waiting_approval'], ['asked-twice', 'running'], ['done', 'succeeded']];
  store.createRun({
    run: { id: runId, objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 2, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
    tasks: states.map(([key, status], i) => commandTask(runId, key, status, i)),
  });
  const by = { kind: 'person' as const, user: 'me', uid: 1, pid: 2, via: 'cli' as const };
  // Attempt 1's question 1 was withdrawn when it ended; attempt 2 numbers its own from 1 again.
  writeEvents(root, `${runId}-push`, [started(1), asked(1), { type: 'approval.withdrawn', id: 1, reason: 'the turn ended' }, started(2), asked(1), { type: 'state', from: 'running', to: 'waiting_approval' }]);
  writeEvents(root, `${runId}-asked-twice`, [started(1), asked(1), asked(2), { type: 'approval.decided', id: 1, decision: 'accept', by, at: '2024-05-01T10:00:00.000Z' }]);
  // A finished task's record is history: recovery never writes to it.
  writeEvents(root, `${runId}-done`, [started(1), asked(1)]);
  const before = readFileSync(root.taskFiles(`${runId}-done`).events, 'utf8');

  const recovery = await recoverRun(root, store, store.getRun(runId)!, 0);
  assert.deepEqual(recovery.interrupted.sort(), [`${runId}-asked-twice`, `${runId}-push`]);

  const push = eventsOf(root, `${runId}-push`).slice(6);
  assert.deepEqual(push.map((e) => [e.type, 'id' in e ? e.id : undefined, 'reason' in e ? e.reason : undefined]), [
    ['approval.withdrawn', 1, SUPERVISOR_STOPPED],
    ['state', undefined, 'the supervisor stopped while the task ran; resumed'],
  ]);
  const twice = eventsOf(root, `${runId}-asked-twice`).slice(4);
  assert.deepEqual(twice.map((e) => [e.type, 'id' in e ? e.id : undefined]), [['approval.withdrawn', 2], ['state', undefined]]);
  assert.equal(readFileSync(root.taskFiles(`${runId}-done`).events, 'utf8'), before);

  // A second recovery (the first one's supervisor died too) finds nothing left open.
  store.updateRun(runId, { status: 'running' });
  await recoverRun(root, store, store.getRun(runId)!, 0);
  assert.equal(eventsOf(root, `${runId}-push`).filter((e) => e.type === 'approval.withdrawn').length, 2);
});
