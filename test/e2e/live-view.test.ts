import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as pty from 'node-pty';
import { MCP, mcp, sandbox, status, writePlan, type Sandbox } from './harness.js';

// Quick command tasks (no Codex): two at once, then one that waits for both.
const PLAN = {
  objective: 'live view',
  tasks: [
    { id: 'slow', command: ['node', '-e', "setTimeout(()=>console.log('slow done'), 900)"] },
    { id: 'fast', command: ['node', '-e', "setTimeout(()=>console.log('fast done'), 300)"] },
    { id: 'last', command: ['node', '-e', "console.log('last done')"], dependsOn: ['slow', 'fast'] },
  ],
};

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
// eslint-disable-next-line no-control-regex
const CURSOR_UP = /\x1b\[\d+A/;
const PROGRESS_LINE = /^\d\d:\d\d:\d\d {2}(slow|fast|last) +(running|succeeded)$/m;

let sb: Sandbox;
/** The environment of a user at a color terminal. */
let termEnv: Record<string, string>;

before(async () => {
  sb = await sandbox({}, { git: false });
  writePlan(sb.project, PLAN);
  termEnv = Object.fromEntries(Object.entries(sb.env).filter((e): e is [string, string] => e[1] !== undefined));
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'NO_TTY']) delete termEnv[name];
  termEnv.TERM = 'xterm-256color';
});

after(async () => sb.cleanup());

/** Runs the CLI in a real pseudo-terminal, 120 columns wide, as a user at a terminal would. */
function inTerminal(args: string[], timeoutMs = 60_000): Promise<{ output: string; exitCode: number }> {
  const term = pty.spawn(process.execPath, [MCP, ...args], { cols: 120, rows: 40, cwd: sb.project, env: termEnv });
  let output = '';
  term.onData((d) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      term.kill('SIGKILL');
      reject(new Error(`mcp ${args.join(' ')} did not end in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    term.onExit(({ exitCode }) => {
      clearTimeout(timer);
      // The last bytes may still be on their way when the exit is reported.
      setTimeout(() => resolve({ output, exitCode }), 100);
    });
  });
}

test('on a terminal, mcp run draws a live table in place, with colors, and leaves the final states', async () => {
  const { output, exitCode } = await inTerminal(['run', '--plan', 'plan.json']);
  assert.equal(exitCode, 0, output);
  assert.match(output, CURSOR_UP, 'redrawn in place');
  assert.ok(output.includes('\x1b[2K'), 'lines cleared before they are rewritten');
  assert.ok(!output.includes('\x1b[2J'), 'never a full-screen clear');
  assert.match(output, /\x1b\[36m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\x1b\[39m slow/, 'a running task has a spinner');
  assert.ok(output.includes('\x1b[32msucceeded'), 'succeeded is green on a color terminal');
  assert.ok(output.includes('\x1b[?25h'), 'the cursor is given back');
  const plain = output.replace(ANSI, '').replace(/\r/g, '');
  for (const key of ['slow', 'fast', 'last']) assert.match(plain, new RegExp(`✓ ${key} +succeeded +\\S+ +1 +exited 0`), `${key} in its final state`);
  assert.match(plain, /run r[a-z0-9]{8} {2}· {2}succeeded {2}· .* {2}· {2}3 succeeded/);
  assert.doesNotMatch(plain, PROGRESS_LINE, 'no plain progress lines on a terminal');
  // The frame fits the 120 columns: no line wraps behind the redraw's back.
  for (const line of plain.split('\n')) assert.ok([...line].length < 120, line);
});

test('with --no-tty on a terminal, and into a pipe, mcp run prints plain progress lines only', async () => {
  const { output, exitCode } = await inTerminal(['run', '--plan', 'plan.json', '--no-tty']);
  assert.equal(exitCode, 0, output);
  assert.doesNotMatch(output, CURSOR_UP, '--no-tty draws no live table');
  assert.ok(!output.includes('\x1b[2K'));
  const text = output.replace(/\r/g, '').replace(ANSI, '');
  assert.match(text, /^\d\d:\d\d:\d\d {2}slow +running$/m);
  assert.match(text, /^\d\d:\d\d:\d\d {2}last +succeeded$/m);

  const piped = await mcp(['run', '--plan', 'plan.json'], { cwd: sb.project, env: sb.env });
  assert.equal(piped.code, 0, piped.stderr);
  assert.ok(!piped.stdout.includes('\x1b['), 'nothing but text into a pipe');
  assert.match(piped.stdout, /^\d\d:\d\d:\d\d {2}fast +succeeded$/m);
  assert.match(piped.stdout, /^\d\d:\d\d:\d\d {2}last +succeeded$/m);
});

test('status --watch --until-done on a finished run prints one table and exits 0', async () => {
  const runId = (await status(sb)).runs.at(-1)?.id ?? '';
  const piped = await mcp(['status', runId, '--watch', '--until-done', '--interval', '0.2'], { cwd: sb.project, env: sb.env, timeoutMs: 15_000 });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout.match(/^TASK +STATE/gm)?.length, 1, piped.stdout);
  assert.match(piped.stdout, new RegExp(`^${runId}-last +succeeded`, 'm'));

  const { output, exitCode } = await inTerminal(['status', runId, '--watch', '--until-done'], 15_000);
  assert.equal(exitCode, 0, output);
  assert.equal(output.split('\x1b[2J').length - 1, 1, 'one screen');
  assert.match(output.replace(ANSI, ''), /every 2\.0s: mcp status/);
});

test('status --state filters tasks and refuses an unknown state in one line (exit 2)', async () => {
  const filtered = await status(sb, ['--state', 'succeeded', '--sort', 'duration']);
  const tasks = filtered.runs.at(-1)?.tasks ?? [];
  assert.deepEqual(tasks.map((t) => t.key), ['slow', 'fast', 'last'], 'longest first');
  const none = await status(sb, ['--state', 'failed']);
  assert.ok(none.runs.length > 0 && none.runs.every((r) => r.tasks.length === 0));
  const bad = await mcp(['status', '--state', 'finished'], { cwd: sb.project, env: sb.env });
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /unknown state "finished"/);
});
