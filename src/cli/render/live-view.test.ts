import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskActivity } from '../task-activity.js';
import { visibleWidth } from './format.js';
import { FRAME_MS, formatCount, LiveView, renderFrame, type FrameOptions, type LiveOut, type LiveRun, type LiveSource, type LiveTask } from './live-view.js';

// eslint-disable-next-line no-control-regex
const strip = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
const NOW = Date.parse('2026-01-01T00:01:00.000Z');
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

function liveTask(key: string, status: string, fields: Partial<LiveTask> = {}): LiveTask {
  return { id: `r00000001-${key}`, key, kind: 'command', status, attempts: status === 'pending' ? 0 : 1, dependsOn: [], startedAt: null, endedAt: null, reason: null, ...fields };
}

function liveRun(tasks: LiveTask[], status = 'running'): LiveRun {
  return { id: 'r00000001', status, startedAt: '2026-01-01T00:00:00.000Z', endedAt: null, tasks };
}

const tasks = [
  liveTask('build', 'running', { startedAt: '2026-01-01T00:00:48.000Z' }),
  liveTask('lint', 'succeeded', { startedAt: '2026-01-01T00:00:10.000Z', endedAt: '2026-01-01T00:00:11.500Z' }),
  liveTask('test', 'failed', { attempts: 3, startedAt: '2026-01-01T00:00:10.000Z', endedAt: '2026-01-01T00:00:40.000Z', reason: 'exited with code 1' }),
  liveTask('deploy', 'pending', { dependsOn: ['build', 'test'] }),
];
const activities: Record<string, TaskActivity> = {
  'r00000001-build': { last: '$ npm run build', inputTokens: 12_345, outputTokens: 678 },
  'r00000001-lint': { last: 'exited 0', inputTokens: 1000, outputTokens: 2 },
};
const options: FrameOptions = { now: NOW, width: 120, spin: 0, final: false, color: false };

test('a frame: heading, a line per task with state, time, tries and activity, then the run with counts and tokens', () => {
  const lines = renderFrame([liveRun(tasks)], (t) => activities[t.id], options);
  assert.equal(lines.length, 6);
  assert.match(lines[0] ?? '', /^ {2}TASK +STATE +TIME +TRIES +ACTIVITY$/);
  assert.match(lines[1] ?? '', /^⠋ build +running +12\.0s +1 +\$ npm run build$/);
  assert.match(lines[2] ?? '', /^✓ lint +succeeded +1\.5s +1 +exited 0$/);
  assert.match(lines[3] ?? '', /^✗ test +failed +30\.0s +3 +exited with code 1$/, 'a failure shows its reason');
  assert.match(lines[4] ?? '', /^ {2}deploy +pending +- +0 +after build, test$/);
  assert.equal(lines[5], 'run r00000001  ·  running  ·  1m00s  ·  1 running, 1 succeeded, 1 failed, 1 pending  ·  tokens 13k in, 680 out');
});

test('the spinner turns with each frame; the final frame has none', () => {
  const a = renderFrame([liveRun(tasks)], () => undefined, { ...options, spin: 0 })[1] ?? '';
  const b = renderFrame([liveRun(tasks)], () => undefined, { ...options, spin: 1 })[1] ?? '';
  assert.match(a, SPINNER);
  assert.match(b, SPINNER);
  assert.notEqual(a[0], b[0]);
  const final = renderFrame([liveRun(tasks)], () => undefined, { ...options, final: true });
  assert.ok(!final.some((l) => SPINNER.test(l)), final.join('\n'));
});

test('colors paint the state and its mark only, and only when asked', () => {
  const colored = renderFrame([liveRun(tasks)], () => undefined, { ...options, color: true });
  assert.ok(colored[2]?.startsWith('\x1b[32m✓\x1b[39m lint'));
  assert.ok(colored[3]?.includes('\x1b[31mfailed'));
  assert.deepEqual(colored.map(strip), renderFrame([liveRun(tasks)], () => undefined, options));
});

test('no line is wider than the terminal less one column, even with long activity and colors', () => {
  const long = { last: `$ ${'x'.repeat(500)}`, inputTokens: 0, outputTokens: 0 };
  for (const width of [20, 40, 80]) {
    for (const line of renderFrame([liveRun(tasks)], () => long, { ...options, width, color: true })) assert.ok(visibleWidth(line) <= width - 1, `${width}: ${line}`);
  }
});

test('more tasks than rows: moving and failed tasks are kept, the rest counted, and the frame fits', () => {
  const many = Array.from({ length: 30 }, (_, i) => liveTask(`t${i}`, i === 25 ? 'running' : i === 27 ? 'failed' : 'succeeded'));
  const lines = renderFrame([liveRun(many)], () => undefined, { ...options, height: 10 });
  assert.ok(lines.length <= 9, `${lines.length} lines`);
  assert.ok(lines.some((l) => / t25 +running/.test(l)));
  assert.ok(lines.some((l) => / t27 +failed/.test(l)));
  assert.match(lines.at(-1) ?? '', /^… 24 more tasks/);
});

test('a run still planning says so', () => {
  const lines = renderFrame([liveRun([], 'planning')], () => undefined, options);
  assert.match(lines.at(-1) ?? '', /planning  ·  .*Codex is planning/);
});

test('token counts read at a glance', () => {
  assert.deepEqual([0, 999, 1000, 12_345, 999_999, 4_100_000].map(formatCount), ['0', '999', '1.0k', '12k', '1000k', '4.1M']);
});

class FakeTerminal implements LiveOut {
  columns = 100;
  rows = 40;
  text = '';
  writes = 0;
  write(chunk: string): boolean {
    this.text += chunk;
    this.writes += 1;
    return true;
  }
}

function source(runs: () => LiveRun[]): LiveSource & { reads: number } {
  const s = {
    reads: 0,
    runs: () => {
      s.reads += 1;
      return runs();
    },
    activity: () => undefined,
  };
  return s;
}

test('the view redraws in place (cursor up, clear line), at most once a frame, prints above itself, and ends plain', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let state = 'running';
  const term = new FakeTerminal();
  const src = source(() => [liveRun([liveTask('only', state, { startedAt: '2026-01-01T00:00:00.000Z' })])]);
  const view = new LiveView(term, src, false, () => NOW);
  view.start();
  assert.ok(term.text.startsWith('\x1b[?25l'), 'the cursor is hidden while drawing');
  const frameLines = 3; // heading, task, run
  assert.equal(term.text.match(/\x1b\[2K/g)?.length, frameLines);
  assert.ok(!term.text.includes('\x1b[3A'), 'the first frame does not move up');

  // Transitions between frames do not draw by themselves...
  const drawsBefore = src.reads;
  for (let i = 0; i < 10; i++) view.changed();
  assert.equal(src.reads, drawsBefore);
  // ...the next tick does, once: cursor up over the last frame, each line cleared.
  term.text = '';
  t.mock.timers.tick(FRAME_MS);
  assert.equal(src.reads, drawsBefore + 1);
  assert.ok(term.text.startsWith(`\x1b[${frameLines}A\r`), JSON.stringify(term.text));
  assert.ok(!term.text.includes('\x1b[2J'), 'never a full-screen clear');
  // A second of ticks while a task runs: four frames, no more.
  t.mock.timers.tick(1000);
  assert.equal(src.reads, drawsBefore + 1 + 1000 / FRAME_MS);

  term.text = '';
  view.print('12:00:00  replanning after x failed\n');
  assert.ok(term.text.startsWith(`\x1b[${frameLines}A\r\x1b[J12:00:00  replanning after x failed\n\x1b[2K`), JSON.stringify(term.text));

  state = 'succeeded';
  term.text = '';
  view.stop();
  const final = strip(term.text);
  assert.match(final, /✓ only +succeeded/);
  assert.ok(!SPINNER.test(final));
  assert.ok(term.text.endsWith('\x1b[?25h'), 'the cursor comes back');
  assert.ok(!term.text.includes('\x1b[2K'), 'the final frame is plain lines');
  // Stopped: no more drawing.
  const reads = src.reads;
  t.mock.timers.tick(FRAME_MS * 4);
  assert.equal(src.reads, reads);
});

test('with nothing moving and nothing changed, ticks draw nothing', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const term = new FakeTerminal();
  const src = source(() => [liveRun([liveTask('done', 'succeeded')], 'succeeded')]);
  const view = new LiveView(term, src, false, () => NOW);
  view.start();
  const reads = src.reads;
  t.mock.timers.tick(FRAME_MS * 8);
  assert.equal(src.reads, reads);
  view.changed();
  t.mock.timers.tick(FRAME_MS);
  assert.equal(src.reads, reads + 1);
  view.stop();
});


test('on a terminal that reports 0×0 (script, some CI ptys) the table is drawn for 80×24, not as blank lines', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const term = Object.assign(new FakeTerminal(), { columns: 0, rows: 0 });
  const many = Array.from({ length: 30 }, (_, i) => liveTask(`task-${i}`, 'pending'));
  const view = new LiveView(term, source(() => [liveRun(many)]), false, () => NOW);
  view.start();
  const lines = strip(term.text).split('\n').slice(0, -1);
  view.stop();
  assert.match(lines[0] ?? '', /TASK +STATE/);
  assert.match(lines[1] ?? '', /task-0 +pending/);
  assert.ok(lines.length <= 23, `${lines.length} lines on a 24-row screen`);
});

test('a frame that cannot be read stops the view, gives the cursor back and reports once; the run goes on', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const term = new FakeTerminal();
  let broken = false;
  const src = source(() => {
    if (broken) throw new Error('database is locked');
    return [liveRun([liveTask('a', 'running')])];
  });
  const errors: unknown[] = [];
  const view = new LiveView(term, src, false, () => NOW, (error) => errors.push(error));
  view.start();
  assert.equal(view.active, true);
  broken = true;
  term.text = '';
  t.mock.timers.tick(FRAME_MS);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /database is locked/);
  assert.equal(view.active, false);
  assert.ok(term.text.endsWith('\x1b[?25h'));
  const reads = src.reads;
  t.mock.timers.tick(FRAME_MS * 4);
  assert.equal(src.reads, reads, 'no more drawing');
  term.text = '';
  view.print('a notice');
  assert.equal(term.text, 'a notice\n', 'printed as a plain line');
  view.stop();
  assert.equal(errors.length, 1);
});
