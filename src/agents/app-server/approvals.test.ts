import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerApproval, describeApproval, refuseMachineRequest } from './approvals.js';
import type { ServerRequestHandle, ServerRequestState } from './client.js';

/** A handle as the client makes them, recording what would go on the wire. */
function handle(method: string, params: unknown): ServerRequestHandle & { sent: unknown[] } {
  const sent: unknown[] = [];
  let state: ServerRequestState = 'pending';
  const h = {
    method,
    id: 7,
    params,
    receivedAt: new Date(),
    state: () => state,
    settled: new Promise(() => undefined),
    respond: (result: unknown) => {
      if (state !== 'pending') return false;
      sent.push({ result });
      state = 'answered';
      return true;
    },
    fail: (message: string) => {
      if (state !== 'pending') return false;
      sent.push({ error: message });
      state = 'answered';
      return true;
    },
    sent,
  };
  return h as unknown as ServerRequestHandle & { sent: unknown[] };
}

// Params as codex 0.169.0 sent them for `git push origin main` with escalation.
const commandParams = {
  kind: 'command',
  threadId: 't1',
  turnId: 'u1',
  itemId: 'call_1',
  startedAtMs: 1,
  environmentId: 'local',
  reason: 'needs to leave the sandbox',
  command: "/bin/bash -lc 'git push origin main'",
  cwd: '/w',
  commandActions: [{ type: 'unknown', command: 'git push origin main' }],
  proposedExecpolicyAmendment: ['git', 'push', 'origin', 'main'],
};

test('describeApproval: an escalated command, with its reason and directory', () => {
  assert.deepEqual(describeApproval(handle('item/commandExecution/requestApproval', commandParams)), {
    requestId: 7,
    kind: 'command',
    threadId: 't1',
    turnId: 'u1',
    itemId: 'call_1',
    summary: 'git push origin main',
    reason: 'needs to leave the sandbox',
    cwd: '/w',
    answers: ['approve', 'approveForSession', 'deny', 'abort'],
  });
});

test('describeApproval: without parsed actions, the command as Codex runs it', () => {
  const params = { ...commandParams, commandActions: null };
  assert.equal(describeApproval(handle('item/commandExecution/requestApproval', params))?.summary, "/bin/bash -lc 'git push origin main'");
});

test('describeApproval: a file change names its files from the item Codex started before asking', () => {
  const request = handle('item/fileChange/requestApproval', { threadId: 't', turnId: 'u', itemId: 'call_3', startedAtMs: 1, reason: null, grantRoot: null });
  const files = (id: string) => (id === 'call_3' ? [{ path: '/var/tmp/x.txt', kind: { type: 'add' as const }, diff: 'hi\n' }, { path: '/w/a', kind: { type: 'update' as const, move_path: null }, diff: '' }] : undefined);
  assert.equal(describeApproval(request, files)?.summary, 'add /var/tmp/x.txt, update /w/a');
  assert.equal(describeApproval(request)?.summary, 'edit files');
});

test('answerApproval: a person’s answer becomes the decision Codex expects, once', () => {
  const cases = [
    ['approve', 'accept'],
    ['approveForSession', 'acceptForSession'],
    ['deny', 'decline'],
    ['abort', 'cancel'],
  ] as const;
  for (const [answer, decision] of cases) {
    for (const method of ['item/commandExecution/requestApproval', 'item/fileChange/requestApproval']) {
      const h = handle(method, commandParams);
      assert.equal(answerApproval(h, answer), true);
      assert.deepEqual(h.sent, [{ result: { decision } }]);
      assert.equal(answerApproval(h, 'deny'), false, 'too late for a second answer');
    }
  }
});

test('answerApproval: a permissions request gets the asked permissions, or none, for the turn or the session', () => {
  const params = { threadId: 't', turnId: 'u', itemId: 'i', environmentId: null, startedAtMs: 1, cwd: '/w', reason: 'r', permissions: { network: { enabled: true }, fileSystem: null } };
  const approve = handle('item/permissions/requestApproval', params);
  answerApproval(approve, 'approveForSession');
  assert.deepEqual(approve.sent, [{ result: { permissions: { network: { enabled: true } }, scope: 'session' } }]);
  const deny = handle('item/permissions/requestApproval', params);
  answerApproval(deny, 'deny');
  assert.deepEqual(deny.sent, [{ result: { permissions: {}, scope: 'turn' } }]);
  assert.equal(describeApproval(deny)?.summary, 'network access');
});

test('answerApproval: an MCP elicitation can only be refused', () => {
  const params = { threadId: 't', turnId: null, serverName: 'docs', mode: 'url', _meta: null, message: 'Sign in', url: 'https://x', elicitationId: 'e' };
  const h = handle('mcpServer/elicitation/request', params);
  assert.deepEqual(describeApproval(h)?.answers, ['deny', 'abort']);
  assert.equal(answerApproval(h, 'approve'), false);
  assert.deepEqual(h.sent, []);
  assert.equal(answerApproval(h, 'deny'), true);
  assert.deepEqual(h.sent, [{ result: { action: 'decline', content: null, _meta: null } }]);
});

test('refuseMachineRequest: requests that are not questions for a person get an error at once; approvals are left alone', () => {
  for (const method of ['item/tool/call', 'account/chatgptAuthTokens/refresh', 'attestation/generate', 'execCommandApproval', 'applyPatchApproval']) {
    const h = handle(method, {});
    assert.equal(describeApproval(h), null);
    assert.equal(refuseMachineRequest(h), true);
    assert.deepEqual(h.sent, [{ error: `mcp does not answer ${method}` }]);
  }
  const approval = handle('item/commandExecution/requestApproval', commandParams);
  assert.equal(refuseMachineRequest(approval), false);
  assert.deepEqual(approval.sent, []);
});
