import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { isMcpError, type McpError } from '../../domain/errors.js';
import type { TaskState } from '../../domain/task-state.js';
import type { ControlReply } from '../../orchestrator/control-protocol.js';
import { ControlServer } from '../../orchestrator/control-server.js';
import { createSocketDir, removeSocketDir, SOCKET_FILE } from '../../store/control-socket.js';
import { commandTask, tempStateRoot } from '../../store/test-support.js';
import { approveCommand } from './approve.js';

let counter = 0;

/** A run of one task `push` in `state`; with `reply`, a supervisor that answers every request with it. */
async function approveOn(state: TaskState, reply?: ControlReply): Promise<McpError> {
  const { dir, root, store } = tempStateRoot('approve');
  counter += 1;
  const runId = `rappr000${counter}`;
  store.createRun({
    run: { id: runId, objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: '2024-05-01T10:00:00.000Z' },
    tasks: [commandTask(runId, 'push', state)],
  });
  store.close();
  let server: ControlServer | null = null;
  const socket = path.join(createSocketDir(), SOCKET_FILE);
  if (reply) {
    server = new ControlServer(socket, () => reply);
    await server.listen();
    root.prepare();
    root.recordSocket(socket);
  }
  try {
    const error: unknown = await approveCommand(`${runId}-push`, undefined, { stateDir: dir }).then(
      (code) => new Error(`approved (exit ${code})`),
      (thrown: unknown) => thrown,
    );
    assert.ok(isMcpError(error), String(error));
    return error;
  } finally {
    await server?.close();
    removeSocketDir(socket);
  }
}

test('mcp approve on a task that waits for no approval any more: one line naming its state, exit 1 (nothing to do), not a usage error', async () => {
  const answered = await approveOn('running', { ok: false, code: 'not_waiting', error: 'task x is not waiting for an approval' });
  assert.equal(answered.exitCode, 1);
  assert.match(answered.message, /^task rappr\d+-push is not waiting for an approval: it is running$/);
  assert.match(answered.hint ?? '', /mcp logs rappr\d+-push/);

  // The run is over and its supervisor gone with it: still nothing to do, not "no supervisor".
  const ended = await approveOn('succeeded');
  assert.equal(ended.exitCode, 1);
  assert.match(ended.message, /^task rappr\d+-push is not waiting for an approval: it is succeeded$/);

  const late = await approveOn('waiting_approval', { ok: false, code: 'too_late', error: 'approval 1 was already answered elsewhere or withdrawn' });
  assert.equal(late.exitCode, 1);
  assert.match(late.message, /^approval 1 was already answered elsewhere or withdrawn; task rappr\d+-push is waiting_approval$/);
});

test('mcp approve: a waiting task whose supervisor is gone is exit 4 (mcp resume), a question not named is a usage error (exit 2)', async () => {
  const stranded = await approveOn('waiting_approval');
  assert.equal(stranded.exitCode, 4);
  assert.match(stranded.hint ?? '', /mcp resume/);
  const which = await approveOn('waiting_approval', { ok: false, code: 'no_such_approval', error: 'several approvals are open (1, 2): say which' });
  assert.equal(which.exitCode, 2);
});
