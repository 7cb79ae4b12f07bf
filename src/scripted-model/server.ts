import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chooseStep, findRule, scriptSchema, type Script, type ScriptStep } from './script.js';

/**
 * A Responses-API server on loopback that answers like a model, following a script.
 * It lets the real `codex` binary run offline, in tests and in the demo.
 */

export interface RequestRecord {
  at: number;
  userText: string;
  modelOutputs: number;
  /** What Codex sent back for the model's earlier tool calls, in order (e.g. a command's output, or its refusal). */
  toolOutputs: string[];
  step: ScriptStep;
}

export interface ScriptedModelStats {
  requests: number;
  inFlight: number;
  maxInFlight: number;
}

export interface ScriptedModel {
  /** Base URL to put in Codex's provider config, ending in `/v1`. */
  url: string;
  port: number;
  stats(): ScriptedModelStats;
  records(): RequestRecord[];
  close(): Promise<void>;
}

interface InputItem {
  type?: string;
  role?: string;
  content?: unknown;
  output?: unknown;
}

/** Concatenates the user-authored text of a request; system and developer text is left out. */
function userTextOf(input: InputItem[]): string {
  const parts: string[] = [];
  for (const item of input) {
    if (item.type !== 'message' && item.type !== undefined) continue;
    if (item.role !== 'user') continue;
    if (typeof item.content === 'string') parts.push(item.content);
    else if (Array.isArray(item.content)) {
      for (const c of item.content as { text?: unknown }[]) {
        if (typeof c.text === 'string') parts.push(c.text);
      }
    }
  }
  return parts.join('\n');
}

/** Earlier responses of the model in this conversation: its tool calls and its messages. */
function countModelOutputs(input: InputItem[]): number {
  return input.filter((i) => i.type === 'function_call' || i.type === 'custom_tool_call' || (i.type === 'message' && i.role === 'assistant')).length;
}

/** The text of the tool results in a request (`function_call_output`, `custom_tool_call_output`). */
function toolOutputsOf(input: InputItem[]): string[] {
  return input
    .filter((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output')
    .map((i) => {
      if (typeof i.output === 'string') return i.output;
      if (Array.isArray(i.output)) return (i.output as { text?: unknown }[]).map((c) => (typeof c.text === 'string' ? c.text : '')).join('');
      return JSON.stringify(i.output ?? null);
    });
}

function sse(res: http.ServerResponse, data: Record<string, unknown>): void {
  res.write(`event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`);
}

const usage = {
  input_tokens: 120,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 12,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: 132,
};

let sequence = 0;

function streamStep(res: http.ServerResponse, step: ScriptStep): void {
  const id = `resp_${++sequence}`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  sse(res, { type: 'response.created', response: { id } });
  if (step.drop) {
    // Cut the connection mid-stream: Codex must report a stream error, not hang.
    res.socket?.destroy();
    return;
  }
  if (step.patch !== undefined) {
    sse(res, {
      type: 'response.output_item.done',
      item: { type: 'custom_tool_call', id: `ctc_${sequence}`, call_id: `call_${sequence}`, name: 'apply_patch', input: step.patch },
    });
  } else if (step.exec !== undefined) {
    sse(res, {
      type: 'response.output_item.done',
      item: {
        type: 'function_call',
        id: `fc_${sequence}`,
        call_id: `call_${sequence}`,
        name: 'exec_command',
        arguments: JSON.stringify(
          step.escalate ? { cmd: step.exec, sandbox_permissions: 'require_escalated', justification: 'needs to leave the sandbox' } : { cmd: step.exec },
        ),
      },
    });
  } else {
    sse(res, {
      type: 'response.output_item.done',
      item: {
        type: 'message',
        role: 'assistant',
        id: `msg_${sequence}`,
        content: [{ type: 'output_text', text: step.say ?? 'Done.' }],
      },
    });
  }
  sse(res, { type: 'response.completed', response: { id, usage } });
  res.end();
}

export async function startScriptedModel(scriptInput: unknown, port = 0): Promise<ScriptedModel> {
  const script: Script = scriptSchema.parse(scriptInput ?? {});
  const records: RequestRecord[] = [];
  const failures = new Map<object, number>();
  const stats: ScriptedModelStats = { requests: 0, inFlight: 0, maxInFlight: 0 };

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/_stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...stats, records }));
      return;
    }
    if (req.method === 'GET' && req.url?.endsWith('/models')) {
      // What `codex doctor` probes to call the provider reachable (2xx, 401 or 403).
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'scripted-model', object: 'model', owned_by: 'mcp' }] }));
      return;
    }
    if (req.method !== 'POST' || !req.url?.endsWith('/responses')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let input: InputItem[] = [];
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input?: InputItem[] };
        input = Array.isArray(body.input) ? body.input : [];
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'body is not JSON' } }));
        return;
      }
      const userText = userTextOf(input);
      const modelOutputs = countModelOutputs(input);
      const rule = findRule(script, userText);
      const served = rule ? (failures.get(rule) ?? 0) : 0;
      let step = chooseStep(script, userText, modelOutputs);
      if (rule?.failFirst !== undefined && served < rule.failFirst) {
        failures.set(rule, served + 1);
        step = { fail: 500 };
      }
      records.push({ at: Date.now(), userText, modelOutputs, toolOutputs: toolOutputsOf(input), step });
      stats.requests += 1;
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        stats.inFlight -= 1;
      };
      res.on('close', finish);
      const answer = (): void => {
        if (res.destroyed) return finish();
        if (step.fail !== undefined) {
          res.writeHead(step.fail, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: `scripted failure ${step.fail}`, type: 'server_error' } }));
          return;
        }
        streamStep(res, step);
      };
      if (step.delayMs) setTimeout(answer, step.delayMs);
      else answer();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    port: address.port,
    stats: () => ({ ...stats }),
    records: () => [...records],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
