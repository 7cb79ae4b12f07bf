import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRequest, newToken, type RequestFacts } from './access-guard.js';

const TOKEN = newToken();
const PORT = 4321;
const base: RequestFacts = { method: 'GET', url: `/api/runs?token=${TOKEN}`, host: `127.0.0.1:${PORT}`, origin: undefined, authorization: undefined };

test('a request with the token and a loopback Host passes', () => {
  assert.deepEqual(checkRequest(base, TOKEN, PORT), { ok: true });
  assert.deepEqual(checkRequest({ ...base, host: `localhost:${PORT}`, origin: `http://localhost:${PORT}` }, TOKEN, PORT), { ok: true });
  assert.deepEqual(checkRequest({ ...base, url: '/api/runs', authorization: `Bearer ${TOKEN}` }, TOKEN, PORT), { ok: true });
});

test('no token, a wrong one, or one of another length: 401', () => {
  for (const url of ['/api/runs', '/api/runs?token=', `/api/runs?token=${TOKEN.slice(1)}x`, `/api/runs?token=${TOKEN}x`, '/']) {
    const verdict = checkRequest({ ...base, url }, TOKEN, PORT);
    assert.equal(verdict.ok ? 200 : verdict.status, 401, url);
  }
});

test('a foreign Host (DNS rebinding) or another port: 403, even with the token', () => {
  for (const host of ['evil.example:4321', `127.0.0.1:${PORT + 1}`, '127.0.0.1', undefined]) {
    const verdict = checkRequest({ ...base, host }, TOKEN, PORT);
    assert.equal(verdict.ok ? 200 : verdict.status, 403, String(host));
  }
});

test('a foreign Origin is refused, even with the token', () => {
  for (const origin of ['http://evil.example', `http://127.0.0.1:${PORT + 1}`, `https://127.0.0.1:${PORT}`, 'null']) {
    const verdict = checkRequest({ ...base, origin }, TOKEN, PORT);
    assert.equal(verdict.ok ? 200 : verdict.status, 403, origin);
  }
});

test('a POST with neither Origin nor Authorization is refused', () => {
  const verdict = checkRequest({ ...base, method: 'POST' }, TOKEN, PORT);
  assert.equal(verdict.ok ? 200 : verdict.status, 403);
  assert.deepEqual(checkRequest({ ...base, method: 'POST', origin: `http://127.0.0.1:${PORT}` }, TOKEN, PORT), { ok: true });
});
