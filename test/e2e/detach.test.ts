import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sendControl } from '../../src/orchestrator/control-client.js';
import { StateRoot } from '../../src/store/state-root.js';
import { mcp, sandbox, status, taskOf, waitFor, writePlan, type Sandbox } from './harness.js';

let sb: Sandbox;

before(async () => {
  sb = await sandbox({});
});

after(async () => sb.cleanup());

function rawExchange(socketPath: string, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    let text = '';
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (d) => {
      text += d.toString();
      if (text.includes('\n')) socket.destroy();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
}

test('run --detach returns at once; the background supervisor finishes the run, answers safely, then exits', async () => {
  // A stale lock from a dead process must be taken over, never an error.
  const stateRoot = path.join(sb.project, '.mcp');
  await mcp(['status'], { cwd: sb.project, env: sb.env });
  writePlan(sb.project, { tasks: [{ id: 'seed', command: ['node', '-e', '0'] }] }, 'seed.json');
  assert.equal((await mcp(['run', '--plan', 'seed.json'], { cwd: sb.project, env: sb.env })).code, 0);
  writeFileSync(path.join(stateRoot, 'supervisor.lock'), JSON.stringify({ pid: 999_999, start: '1' }));

  writePlan(sb.project, { tasks: [{ id: 'slow', command: ['node', '-e', "setTimeout(()=>console.log('finished'), 8000)"] }] });
  const result = await mcp(['run', '--plan', 'plan.json', '--detach'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr);
  // Returned at once: the task has not finished (a wall-clock bound would only measure the machine's load).
  assert.notEqual(taskOf(await status(sb), 'slow').status, 'succeeded', 'returned before the task could finish');
  assert.match(result.stdout, /runs in the background \(supervisor pid \d+\)/);

  // The socket is private: 0600 inside a 0700 directory; the state root records where it is.
  const root = new StateRoot(stateRoot);
  const socketPath = await waitFor('the socket', () => (root.socketPath && existsSync(root.socketPath) ? root.socketPath : undefined));
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);
  assert.equal(statSync(path.dirname(socketPath)).mode & 0o777, 0o700);

  // Malformed input gets an error reply and the supervisor keeps serving.
  assert.match(await rawExchange(socketPath, 'this is not json\n'), /"ok":false.*not JSON/);
  assert.match(await rawExchange(socketPath, '{"op":"explode"}\n'), /"ok":false.*bad request/);
  assert.match(await rawExchange(socketPath, `${'x'.repeat(100_000)}\n`), /"ok":false.*too long/);
  const ping = await sendControl(socketPath, { op: 'ping' });
  assert.equal(ping?.ok, true);

  assert.equal(taskOf(await status(sb), 'slow').status, 'running');
  await waitFor('the run to finish in the background', async () => (taskOf(await status(sb), 'slow').status === 'succeeded' ? true : undefined), 30_000);
  await waitFor('the supervisor to exit', () => (existsSync(path.join(stateRoot, 'supervisor.lock')) ? undefined : true), 15_000);
  assert.equal(existsSync(socketPath), false);
  assert.equal(root.socketPath, null);
});
