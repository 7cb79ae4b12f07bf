import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { NoSupervisorError, UsageError } from '../../domain/errors.js';
import { refuse, type ControlReply, type ControlRequest } from '../../orchestrator/control-protocol.js';
import { ControlServer } from '../../orchestrator/control-server.js';
import { createSocketDir, removeSocketDir, SOCKET_FILE } from '../../store/control-socket.js';
import { commandTask, tempStateRoot } from '../../store/test-support.js';
import type { TaskStore } from '../../store/task-store.js';
import { processStartTime } from '../../terminal/process-info.js';
import { resumeCommand } from './resume.js';

const created = '2024-05-01T10:00:00.000Z';
/** The process holding the lock in these tests: alive, and not this one. */
const holder = { pid: process.ppid, start: processStartTime(process.ppid) };

/**
 * A state root with run rgone0001, whose supervisor died with its task running, while another
 * supervisor (a later `mcp run --detach`) holds the lock: the lock names a live process, and
 * its socket is served here, answering as `answer` says. Runs in `held` are that supervisor's.
 */
async function goneRunUnderAnotherSupervisor(answer: (request: ControlRequest, store: TaskStore) => ControlReply, held: string[] = []): Promise<{ dir: string; requests: ControlRequest[] }> {
  const { dir, root, store } = tempStateRoot('resume');
  for (const id of ['rgone0001', ...held]) {
    store.createRun({ run: { id, objective: 'o', status: 'running', project: dir, planJson: '{}', parallel: 1, options: {}, createdAt: created }, tasks: [commandTask(id, 'a', 'running')] });
  }
  store.updateRun('rgone0001', { startedAt: created, supervisorPid: 2 ** 22 + 7, supervisorStart: '1' });
  for (const id of held) store.updateRun(id, { startedAt: created, supervisorPid: holder.pid, supervisorStart: holder.start });
  writeFileSync(root.lockPath, JSON.stringify(holder));
  const socket = path.join(createSocketDir(), SOCKET_FILE);
  const requests: ControlRequest[] = [];
  const server = new ControlServer(socket, (request) => {
    requests.push(request);
    return answer(request, store);
  });
  await server.listen();
  after(async () => {
    await server.close();
    removeSocketDir(socket);
  });
  root.prepare();
  root.recordSocket(socket);
  return { dir, requests };
}

/** A supervisor of this version: it takes the run over, and here finishes it at once. */
function adopting(request: ControlRequest, store: TaskStore): ControlReply {
  if (request.op !== 'adopt') return refuse('bad_request', `unexpected ${request.op}`);
  const now = new Date().toISOString();
  store.updateTask(`${request.runId}-a`, { status: 'succeeded', endedAt: now });
  store.updateRun(request.runId, { status: 'succeeded', endedAt: now, supervisorPid: holder.pid, supervisorStart: holder.start });
  return { ok: true, runId: request.runId, interrupted: [`${request.runId}-a`], orphansStopped: [] };
}

/** `mcp resume` with what it prints collected (not through process.stdout: the test runner reports there). */
async function resume(ref: string | undefined, dir: string): Promise<{ code: number | Error; out: string }> {
  const stdout = new PassThrough();
  const printed: string[] = [];
  stdout.on('data', (chunk: Buffer) => printed.push(chunk.toString('utf8')));
  const code = await resumeCommand(ref, { stateDir: dir, stdout }).catch((error: Error) => error);
  return { code, out: printed.join('') };
}

const adopted = (requests: ControlRequest[]): string[] => requests.map((r) => (r.op === 'adopt' ? r.runId : r.op));

test('mcp resume RUN, its supervisor dead and another holding the state root: the run is handed to that one, and mcp resume waits for its end', async () => {
  const { dir, requests } = await goneRunUnderAnotherSupervisor(adopting);
  const { code, out } = await resume('rgone0001', dir);
  assert.equal(code, 0, String(code));
  assert.match(out, new RegExp(`^resuming run rgone0001 in the supervisor \\(pid ${holder.pid}\\) that holds .*: 1 interrupted task\\(s\\)$`, 'm'));
  assert.match(out, /^run rgone0001 {2}succeeded/m);
  assert.deepEqual(adopted(requests), ['rgone0001']);
});

test("mcp resume with no RUN hands over the runs whose supervisor died, not those the live supervisor runs", async () => {
  const { dir, requests } = await goneRunUnderAnotherSupervisor(adopting, ['rlive0001']);
  const { code, out } = await resume(undefined, dir);
  assert.equal(code, 0, String(code));
  assert.deepEqual(adopted(requests), ['rgone0001']);
  assert.doesNotMatch(out, /rlive0001/);
});

test('a run the live supervisor runs is not interrupted: refused as before (exit 4), nothing asked of the supervisor', async () => {
  const { dir, requests } = await goneRunUnderAnotherSupervisor(adopting, ['rlive0001']);
  const { code } = await resume('rlive0001', dir);
  assert.ok(code instanceof NoSupervisorError, String(code));
  assert.match(code.message, new RegExp(`^run rlive0001 is not interrupted: the supervisor \\(pid ${holder.pid}\\) of .* runs it$`));
  assert.deepEqual(requests, []);
});

test('a live supervisor that cannot take a run over (an older mcp): one line says which holds the state root and what to do, exit 4', async () => {
  const { dir, requests } = await goneRunUnderAnotherSupervisor(() => refuse('bad_request', 'bad request: Invalid input'));
  const { code } = await resume('rgone0001', dir);
  assert.ok(code instanceof NoSupervisorError, String(code));
  assert.equal(code.exitCode, 4);
  assert.match(code.message, new RegExp(`^run rgone0001 cannot be resumed while the supervisor \\(pid ${holder.pid}\\) holds .*: it does not take over runs \\(bad request: Invalid input\\)$`));
  assert.equal(code.hint, `wait for it to end (mcp status), or stop it with: mcp kill --all; then: mcp resume rgone0001`);
  assert.deepEqual(adopted(requests), ['rgone0001']);
});

test('mcp resume "" (a script whose $RUN is empty) is a usage error, not a resume of every interrupted run', async () => {
  await assert.rejects(resumeCommand('  ', {}), (error: unknown) => error instanceof UsageError && error.exitCode === 2 && /the run to resume is empty/.test(error.message));
});
