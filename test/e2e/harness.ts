import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCRIPTED_MODEL_KEY_ENV, writeScriptedCodexHome } from '../../src/scripted-model/codex-home.js';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server.js';
import type { Script } from '../../src/scripted-model/script.js';

/** The repository root (dist/test/e2e/ is three levels below it). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const MCP = path.join(REPO, 'dist/bin/mcp.js');
/** The real Codex CLI, pinned in package.json. */
export const CODEX = path.join(REPO, 'node_modules/.bin/codex');

export interface Sandbox {
  dir: string;
  project: string;
  codexHome: string;
  model: ScriptedModel;
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

/** A temporary project (git or not), a Codex home pointed at a scripted model, and the env to run mcp. */
export async function sandbox(script: Partial<Script>, options: { git?: boolean; projectName?: string } = {}): Promise<Sandbox> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-e2e-'));
  const project = path.join(dir, options.projectName ?? 'project');
  mkdirSync(project, { recursive: true });
  writeFileSync(path.join(project, 'README.md'), '# sample project\n');
  if (options.git !== false) {
    await sh(project, 'git init -q -b main && git add -A && git -c user.name=t -c user.email=t@t commit -qm init');
  }
  const model = await startScriptedModel(script);
  const codexHome = path.join(dir, 'codex-home');
  writeScriptedCodexHome(codexHome, model.url);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CODEX_HOME: codexHome,
    [SCRIPTED_MODEL_KEY_ENV]: 'scripted',
    MCP_CODEX_BIN: CODEX,
    NO_COLOR: '1',
  };
  // Tests say when they simulate WSL; the machine's own environment must not decide it.
  delete env.MCP_STATE_DIR;
  delete env.WSL_DISTRO_NAME;
  return {
    dir,
    project,
    codexHome,
    model,
    env,
    cleanup: async () => {
      // A supervisor a failed test left behind (a detached run, a session waiting for its
      // next message) would outlive the sandbox: SIGTERM stops it and its tasks.
      await stopSupervisor(path.join(project, '.mcp'));
      await model.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Stops the supervisor holding a state root's lock, if one is alive, and waits for it to go. */
export async function stopSupervisor(stateRoot: string): Promise<void> {
  let pid: number;
  try {
    pid = (JSON.parse(readFileSync(path.join(stateRoot, 'supervisor.lock'), 'utf8')) as { pid: number }).pid;
  } catch {
    return;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i += 1) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.kill(pid, 'SIGKILL');
}

export interface McpResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would. */
export function mcp(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<McpResult> {
  const child = startMcp(args, options);
  return finished(child, options.timeoutMs ?? 120_000);
}

export function startMcp(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(process.execPath, [MCP, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function finished(child: ChildProcess, timeoutMs = 120_000): Promise<McpResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Resolves when the process itself is gone. After a SIGKILL, 'close' can wait on pipes
 * that a surviving grandchild still holds; 'exit' does not. Output is still drained.
 */
export function exited(child: ChildProcess): Promise<void> {
  void finished(child).catch(() => undefined);
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export function sh(cwd: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}: ${err}`))));
  });
}

export function writePlan(dir: string, plan: unknown, name = 'plan.json'): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof plan === 'string' ? plan : JSON.stringify(plan, null, 2));
  return file;
}

export interface StatusJson {
  stateRoot: string;
  runs: {
    id: string;
    objective: string;
    status: string;
    reason: string | null;
    planVersion: number;
    replans: number;
    resultBranch: string | null;
    tasks: {
      id: string;
      key: string;
      title: string;
      status: string;
      attempts: number;
      exitCode: number | null;
      signal: string | null;
      reason: string | null;
      startedAt: string | null;
      endedAt: string | null;
      workspace: string | null;
      branch: string | null;
      pid: number | null;
      planVersion: number;
      superseded: boolean;
    }[];
  }[];
}

export async function status(sb: Sandbox, args: string[] = []): Promise<StatusJson> {
  const result = await mcp(['status', ...args, '--json'], { cwd: sb.project, env: sb.env });
  if (result.code !== 0) throw new Error(`mcp status failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as StatusJson;
}

/** The task of that key in the latest run. */
export function taskOf(json: StatusJson, key: string) {
  const task = findTask(json, key);
  if (!task) throw new Error(`no task ${key} in ${JSON.stringify(json)}`);
  return task;
}

export function findTask(json: StatusJson, key: string) {
  return json.runs.at(-1)?.tasks.find((t) => t.key === key);
}

/** Every line of events.ndjson, parsed; fails the test on a line that is not JSON. */
export function events(stateRoot: string, taskId: string): { ts: string; task: string; type: string; [k: string]: unknown }[] {
  const text = readFileSync(path.join(stateRoot, 'runs', taskId, 'events.ndjson'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { ts: string; task: string; type: string });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
