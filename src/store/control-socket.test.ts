import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createSocketDir, MAX_SOCKET_PATH_BYTES, removeSocketDir, SOCKET_FILE } from './control-socket.js';
import { StateRoot } from './state-root.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-sock-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('createSocketDir: a new private directory each time, short enough for a socket', () => {
  const a = createSocketDir();
  const b = createSocketDir();
  try {
    assert.notEqual(a, b);
    for (const dir of [a, b]) {
      const stat = statSync(dir);
      assert.equal(stat.mode & 0o777, 0o700);
      assert.equal(stat.uid, process.getuid?.());
      assert.ok(Buffer.byteLength(path.join(dir, SOCKET_FILE)) <= MAX_SOCKET_PATH_BYTES);
    }
  } finally {
    removeSocketDir(path.join(a, SOCKET_FILE));
    removeSocketDir(path.join(b, SOCKET_FILE));
  }
  assert.equal(existsSync(a), false);
});

test('createSocketDir: a base too long for a socket path, or unusable, is passed over', () => {
  const long = path.join(tmp, 'x'.repeat(120));
  mkdirSync(long);
  const dir = createSocketDir([long, path.join(tmp, 'missing'), tmp]);
  try {
    assert.equal(path.dirname(dir), tmp);
  } finally {
    removeSocketDir(path.join(dir, SOCKET_FILE));
  }
  assert.throws(() => createSocketDir([long]), /no private directory for the control socket \(.*path too long\)/);
});

test('removeSocketDir: removes a socket and its directory, and nothing that is not ours', async () => {
  const dir = createSocketDir([tmp]);
  const socketPath = path.join(dir, SOCKET_FILE);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  writeFileSync(socketPath, 'a file, not the socket that was there');
  removeSocketDir(socketPath);
  assert.equal(existsSync(socketPath), true, 'a plain file is not a socket: kept');
  const other = path.join(tmp, 'not-ours');
  mkdirSync(other);
  writeFileSync(path.join(other, SOCKET_FILE), '');
  removeSocketDir(path.join(other, SOCKET_FILE));
  assert.equal(existsSync(path.join(other, SOCKET_FILE)), true);
});

test('StateRoot: the socket record is read back, replaced whole, and forgotten only by its owner', () => {
  const root = new StateRoot(path.join(tmp, 'state'));
  root.prepare();
  assert.equal(root.socketPath, null);
  root.recordSocket('/tmp/mcp-abc123/supervisor.sock');
  assert.equal(root.socketPath, '/tmp/mcp-abc123/supervisor.sock');
  root.recordSocket('/tmp/mcp-def456/supervisor.sock');
  root.forgetSocket('/tmp/mcp-abc123/supervisor.sock');
  assert.equal(root.socketPath, '/tmp/mcp-def456/supervisor.sock');
  root.forgetSocket('/tmp/mcp-def456/supervisor.sock');
  assert.equal(root.socketPath, null);
  // A record that could not be a socket path is no record.
  writeFileSync(root.socketRecordPath, `/${'x'.repeat(200)}\n`);
  assert.equal(root.socketPath, null);
});
