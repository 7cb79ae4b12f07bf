import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ScriptedModel, startScriptedModel } from './server.js';

let model: ScriptedModel;

before(async () => {
  model = await startScriptedModel({
    rules: [
      { match: 'make file', steps: [{ exec: 'echo a > a.txt' }, { say: 'Created a.txt' }] },
      { match: 'outage', steps: [{ fail: 503 }] },
      { match: 'slow', steps: [{ say: 'late', delayMs: 300 }] },
      { match: 'flaky', failFirst: 2, steps: [{ say: 'finally' }] },
      { match: 'edit file', steps: [{ patch: '*** Begin Patch\n*** Add File: b.txt\n+b\n*** End Patch\n' }, { say: 'Edited.' }] },
    ],
  });
});
after(() => model.close());

interface SseEvent {
  event: string;
  data: { type: string } & Record<string, unknown>;
}

function parseSse(body: string): SseEvent[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length) ?? '';
      const data = lines.find((l) => l.startsWith('data: '))?.slice('data: '.length) ?? '{}';
      return { event, data: JSON.parse(data) as SseEvent['data'] };
    });
}

function userMessage(text: string): Record<string, unknown> {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

function post(input: unknown[], pathName = '/v1/responses'): Promise<Response> {
  return fetch(`${model.url.replace(/\/v1$/, '')}${pathName}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'scripted-model', stream: true, input }),
  });
}

test('startScriptedModel: listens on loopback with a /v1 base URL', () => {
  assert.equal(model.url, `http://127.0.0.1:${model.port}/v1`);
  assert.ok(model.port > 0);
});

test('POST /v1/responses: an exec step streams a function_call to exec_command', async () => {
  const res = await post([
    { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'system rules, not matched: outage' }] },
    userMessage('please make file in the workspace'),
  ]);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events = parseSse(await res.text());
  assert.deepEqual(
    events.map((e) => e.event),
    ['response.created', 'response.output_item.done', 'response.completed'],
  );
  for (const e of events) assert.equal(e.data.type, e.event);
  const item = events[1]?.data.item as { type: string; name: string; arguments: string; call_id: string };
  assert.equal(item.type, 'function_call');
  assert.equal(item.name, 'exec_command');
  assert.deepEqual(JSON.parse(item.arguments), { cmd: 'echo a > a.txt' });
  assert.match(item.call_id, /^call_\d+$/);
  const created = events[0]?.data.response as { id: string };
  const completed = events[2]?.data.response as { id: string; usage: { input_tokens: number; output_tokens: number; total_tokens: number } };
  assert.match(created.id, /^resp_\d+$/);
  assert.equal(completed.id, created.id);
  assert.equal(completed.usage.total_tokens, completed.usage.input_tokens + completed.usage.output_tokens);
});

test('POST /v1/responses: after one model output the next step is an assistant message', async () => {
  const res = await post([
    userMessage('please make file'),
    { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"echo a > a.txt"}', call_id: 'call_1' },
    { type: 'function_call_output', call_id: 'call_1', output: 'ok' },
  ]);
  assert.equal(res.status, 200);
  const events = parseSse(await res.text());
  assert.deepEqual(
    events.map((e) => e.event),
    ['response.created', 'response.output_item.done', 'response.completed'],
  );
  assert.deepEqual((events[1]?.data.item as { type: string; role: string; content: unknown }).content, [{ type: 'output_text', text: 'Created a.txt' }]);
  const record = model.records().at(-1);
  assert.equal(record?.userText, 'please make file');
  assert.equal(record?.modelOutputs, 1);
  assert.deepEqual(record?.step, { say: 'Created a.txt' });
});

test('POST /v1/responses: a patch step streams an apply_patch custom tool call', async () => {
  const res = await post([userMessage('please edit file')]);
  const events = parseSse(await res.text());
  const item = events[1]?.data.item as { type: string; name: string; input: string; call_id: string };
  assert.equal(item.type, 'custom_tool_call');
  assert.equal(item.name, 'apply_patch');
  assert.equal(item.input, '*** Begin Patch\n*** Add File: b.txt\n+b\n*** End Patch\n');
  assert.match(item.call_id, /^call_\d+$/);
});

test('records: the tool results Codex sent back are kept, in order, for both tool kinds', async () => {
  const res = await post([
    userMessage('please edit file'),
    { type: 'custom_tool_call', name: 'apply_patch', input: 'x', call_id: 'call_1' },
    { type: 'custom_tool_call_output', call_id: 'call_1', output: 'patch rejected by user' },
    { type: 'function_call', name: 'exec_command', arguments: '{}', call_id: 'call_2' },
    { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'exit ' }, { type: 'input_text', text: '0' }] },
  ]);
  await res.text();
  const record = model.records().at(-1);
  assert.equal(record?.modelOutputs, 2);
  assert.deepEqual(record?.toolOutputs, ['patch rejected by user', 'exit 0']);
});

test('POST /v1/responses: earlier assistant messages count as model outputs (a resumed session)', async () => {
  const res = await post([
    userMessage('please make file'),
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'I could not.' }] },
    userMessage('try again'),
  ]);
  const events = parseSse(await res.text());
  assert.deepEqual((events[1]?.data.item as { content: unknown }).content, [{ type: 'output_text', text: 'Created a.txt' }]);
  const record = model.records().at(-1);
  assert.equal(record?.userText, 'please make file\ntry again');
  assert.equal(record?.modelOutputs, 1);
});

test('POST /v1/responses: failFirst answers 500 to the first matching requests only', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const res = await post([userMessage('a flaky task')]);
    statuses.push(res.status);
    await res.text();
  }
  assert.deepEqual(statuses, [500, 500, 200]);
});

test('POST /v1/responses: a fail step answers with that HTTP status', async () => {
  const res = await post([userMessage('simulate an outage')]);
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { error: { message: 'scripted failure 503', type: 'server_error' } });
});

test('POST /v1/responses: no rule matches → "Done."', async () => {
  const res = await post([{ role: 'user', content: 'nothing special' }]);
  const events = parseSse(await res.text());
  assert.deepEqual((events[1]?.data.item as { content: unknown }).content, [{ type: 'output_text', text: 'Done.' }]);
  assert.equal(model.records().at(-1)?.userText, 'nothing special');
});

test('bad requests: a body that is not JSON is 400, an unknown route is 404', async () => {
  const bad = await fetch(`${model.url}/responses`, { method: 'POST', body: 'not json' });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { error: { message: 'body is not JSON' } });
  const missing = await fetch(`${model.url}/nothing-here`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

test('GET /models lists the scripted model, as `codex doctor` expects of a reachable provider', async () => {
  const models = await fetch(`${model.url}/models`);
  assert.equal(models.status, 200);
  assert.deepEqual(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id), ['scripted-model']);
});

test('stats: two delayed requests at once are both in flight', async () => {
  const before = model.stats();
  const startedAt = Date.now();
  const [a, b] = await Promise.all([post([userMessage('slow one')]), post([userMessage('slow two')])]);
  const [textA, textB] = await Promise.all([a.text(), b.text()]);
  const elapsed = Date.now() - startedAt;
  assert.ok(elapsed >= 290 && elapsed < 600, `both answered in ${elapsed} ms, so they overlapped`);
  for (const text of [textA, textB]) {
    assert.deepEqual((parseSse(text)[1]?.data.item as { content: unknown }).content, [{ type: 'output_text', text: 'late' }]);
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  const stats = model.stats();
  assert.equal(stats.requests, before.requests + 2);
  assert.equal(stats.maxInFlight, 2);
  assert.equal(stats.inFlight, 0);
});

test('GET /_stats: counts and records as JSON', async () => {
  const res = await fetch(`${model.url.replace(/\/v1$/, '')}/_stats`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { requests: number; inFlight: number; maxInFlight: number; records: { userText: string; modelOutputs: number }[] };
  const stats = model.stats();
  assert.equal(body.requests, stats.requests);
  assert.equal(body.inFlight, 0);
  assert.equal(body.maxInFlight, stats.maxInFlight);
  assert.equal(body.records.length, stats.requests);
  assert.deepEqual(body.records.map((r) => r.userText), model.records().map((r) => r.userText));
  assert.equal(body.records[0]?.userText, 'please make file in the workspace');
});
