import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as pty from 'node-pty';
import { findTask, finished, MCP, mcp, sandbox, startMcp, status, waitFor, writePlan, type Sandbox } from './harness.js';

// A task that shows what reaches it: ticks, the keys it reads, the size it is given.
const WATCHED = [
  "let i=0; setInterval(()=>console.log('tick '+(i++)), 150);",
  "process.stdout.on('resize', ()=>console.log('size:'+process.stdout.columns+'x'+process.stdout.rows));",
  "process.stdin.on('data', d=>{ const s=d.toString().trim(); console.log('got:'+s); if (s==='quit') process.exit(0); });",
].join(' ');

let sb: Sandbox;

before(async () => {
  sb = await sandbox({});
});

after(async () => sb.cleanup());

interface Viewer {
  term: pty.IPty;
  output(): string;
  exited: Promise<number>;
}

function viewer(task: string, cols: number, rows: number): Viewer {
  const term = pty.spawn(process.execPath, [MCP, 'attach', task], { cols, rows, cwd: sb.project, env: sb.env as Record<string, string> });
  let text = '';
  term.onData((d) => (text += d));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  return { term, output: () => text, exited };
}

test('attach: live output, two viewers, keys and resize reach the task, Ctrl-] detaches without stopping it', async () => {
  writePlan(sb.project, { tasks: [{ id: 'watched', command: ['node', '-e', WATCHED] }] });
  const run = startMcp(['run', '--plan', 'plan.json'], { cwd: sb.project, env: sb.env });
  const done = finished(run);
  await waitFor('the task to run', async () => (findTask(await status(sb), 'watched')?.status === 'running' ? true : undefined));

  const a = viewer('watched', 100, 30);
  await waitFor('viewer A to show live output', () => (/tick \d+/.test(a.output()) ? true : undefined), 15_000);
  const b = viewer('watched', 100, 30);
  await waitFor('viewer B to show live output', () => (/tick \d+/.test(b.output()) ? true : undefined), 15_000);
  // The screen is redrawn on attach: B sees ticks printed before it attached.
  const firstTickB = Number(/tick (\d+)/.exec(b.output())?.[1]);
  assert.ok(firstTickB >= 0);

  b.term.write('hello\r');
  await waitFor('keys from B to reach the task, seen by A', () => (a.output().includes('got:hello') ? true : undefined), 10_000);

  a.term.resize(91, 27);
  await waitFor('the resize to reach the task', () => (b.output().includes('size:91x27') ? true : undefined), 10_000);

  a.term.write('\u001d');
  assert.equal(await a.exited, 0);
  assert.match(a.output(), /detached from \S+-watched; it keeps running/);
  assert.equal(findTask(await status(sb), 'watched')?.status, 'running');
  const before = b.output().length;
  await waitFor('B to keep receiving after A left', () => (b.output().length > before + 20 ? true : undefined), 10_000);

  b.term.write('quit\r');
  assert.equal(await b.exited, 0);
  assert.match(b.output(), /-watched ended/);
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
});

test('attach to a finished task says so and shows the tail of its log', async () => {
  const result = await mcp(['attach', 'watched'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0);
  assert.match(result.stdout, /-watched is succeeded; the end of its log:/);
  assert.match(result.stdout, /got:quit/);
});

// Records every byte it reads (raw mode: no line editing, no echo), ends once it has them all.
const SINK = [
  'const fs = require("fs"); const want = Number(process.argv[1]); const file = process.argv[2];',
  'process.stdin.setRawMode(true); let n = 0; console.log("ready for " + want);',
  'process.stdin.on("data", (d) => { fs.appendFileSync(file, d); n += d.length; if (n >= want) { console.log("got all " + n); process.exit(0); } });',
].join(' ');

test('attach: a 200 KB paste reaches the task whole, a character split across two reads too, and no protocol text reaches the screen', async () => {
  const paste = Buffer.from('paste 0123456789 abcdefghijklmnopqrstuvwxyz é€😀 '.repeat(4000));
  const euro = Buffer.from('€');
  const sent = Buffer.concat([paste, euro]);
  const file = path.join(sb.dir, 'received.bin');
  writePlan(sb.project, { tasks: [{ id: 'sink', command: ['node', '-e', SINK, String(sent.length), file] }] });
  const run = startMcp(['run', '--plan', 'plan.json'], { cwd: sb.project, env: sb.env });
  const done = finished(run);
  await waitFor('the task to run', async () => (findTask(await status(sb), 'sink')?.status === 'running' ? true : undefined));

  const v = viewer('sink', 100, 30);
  await waitFor('the task to be ready', () => (v.output().includes('ready for') ? true : undefined), 15_000);
  // The paste ends with the first two bytes of a three-byte character; its last byte comes in
  // a later read of the attach client's stdin.
  v.term.write(Buffer.concat([paste, euro.subarray(0, 2)]));
  await new Promise((resolve) => setTimeout(resolve, 500));
  v.term.write(euro.subarray(2));

  assert.equal(await v.exited, 0);
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(v.output(), /got all \d+/);
  const received = readFileSync(file);
  assert.equal(received.length, sent.length);
  assert.ok(received.equals(sent), 'every byte arrived, in order');
  // Nothing of the protocol on the user's screen: no reply or error JSON.
  assert.doesNotMatch(v.output(), /"ok"|"error"|request too long/);
});

test('attach when the supervisor dies: it says the task will not end, and how to finish the run (exit 4), not that the task ended', async () => {
  writePlan(sb.project, { tasks: [{ id: 'orphan', command: ['node', '-e', WATCHED] }] }, 'orphan.json');
  const run = await mcp(['run', '--plan', 'orphan.json', '--detach'], { cwd: sb.project, env: sb.env });
  assert.equal(run.code, 0, run.stderr);
  const json = await waitFor('the task to run', async () => {
    const now = await status(sb);
    return findTask(now, 'orphan')?.status === 'running' ? now : undefined;
  });
  const view = viewer('orphan', 100, 30);
  await waitFor('live output', () => (/tick \d+/.test(view.output()) ? true : undefined), 15_000);
  const lock = JSON.parse(readFileSync(path.join(json.stateRoot, 'supervisor.lock'), 'utf8')) as { pid: number };
  process.kill(lock.pid, 'SIGKILL');
  assert.equal(await view.exited, 4);
  assert.match(view.output(), /task \S+-orphan will not end: the supervisor of run (\S+) is gone; finish the run with: mcp resume \1/);
  assert.doesNotMatch(view.output(), /orphan ended/);
  // Whatever is left of the task is stopped by its recorded PID, and its run ended.
  assert.equal((await mcp(['kill', 'orphan'], { cwd: sb.project, env: sb.env })).code, 0);
});
