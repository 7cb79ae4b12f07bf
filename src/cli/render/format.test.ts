import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunView, TaskView } from '../../store/views.js';
import { statePainter } from './color.js';
import { fitLine, formatBytes, table, visibleWidth } from './format.js';
import { renderRun } from './run-summary.js';

// eslint-disable-next-line no-control-regex
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

test('visibleWidth ignores color sequences and counts wide characters twice', () => {
  assert.equal(visibleWidth('\x1b[32mok\x1b[39m'), 2);
  assert.equal(visibleWidth('日本'), 4);
  assert.equal(visibleWidth('e\u0301'), 1);
});

test('fitLine cuts to the width with an ellipsis, keeps short lines and resets a cut color', () => {
  assert.equal(fitLine('hello', 5), 'hello');
  assert.equal(fitLine('hello world', 8), 'hello w…');
  assert.equal(visibleWidth(fitLine('hello world', 8)), 8);
  const cut = fitLine(`\x1b[31m${'x'.repeat(20)}\x1b[39m`, 10);
  assert.equal(visibleWidth(cut), 10);
  assert.ok(cut.endsWith('…\x1b[0m'), JSON.stringify(cut));
  assert.equal(visibleWidth(fitLine('日本語のテキスト', 7)), 7);
  assert.equal(fitLine('abc', 0), '');
});

test('table pads on plain text, so painted cells stay aligned', () => {
  const rows = [
    ['TASK', 'STATE', 'TIME'],
    ['a', 'succeeded', '1s'],
    ['bb', 'failed', '2s'],
  ];
  const paint = statePainter(true);
  const painted = table(rows, (cell, r, c) => (c === 1 && r > 0 ? paint(cell) : cell));
  assert.equal(strip(painted), table(rows));
  assert.ok(painted.includes('\x1b[31mfailed\x1b[39m'));
});

function task(id: string, status: string, superseded = false): TaskView {
  return {
    id,
    key: id,
    title: id,
    kind: 'command',
    mode: 'exec',
    status,
    attempts: 1,
    exitCode: null,
    signal: null,
    reason: null,
    dependsOn: [],
    startedAt: null,
    endedAt: null,
    durationMs: null,
    workspace: null,
    branch: null,
    sessionId: null,
    pid: null,
    planVersion: 1,
    superseded,
  };
}

function run(tasks: TaskView[]): RunView {
  return {
    id: 'r00000001',
    objective: 'o',
    status: 'failed',
    project: '/p',
    planVersion: 2,
    replans: 1,
    parallel: 1,
    reason: null,
    resultBranch: null,
    resultSummary: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    endedAt: null,
    durationMs: null,
    counts: { succeeded: 1, failed: 1 },
    tasks,
  };
}

test('renderRun paints states when asked, replaced tasks excepted, and plain text otherwise', () => {
  const view = run([task('ok', 'succeeded'), task('bad', 'failed'), task('old', 'failed', true)]);
  const colored = renderRun(view, { color: true });
  assert.ok(colored.includes('\x1b[32msucceeded\x1b[39m'));
  assert.match(colored, /bad +\x1b\[31mfailed\x1b\[39m +1 /, 'the state cell is painted, then padded');
  assert.ok(colored.includes('failed (replaced in v2)') && !colored.includes('\x1b[31mfailed (replaced'));
  const plain = renderRun(view, { color: false });
  assert.ok(!plain.includes('\x1b['));
  assert.equal(strip(colored), plain);
});

test('renderRun says why a run shows no task when a filter hid them all', () => {
  const text = renderRun(run([]), { color: false, emptyNote: '(no task is running)' });
  assert.ok(text.endsWith('(no task is running)'));
  assert.ok(!text.includes('TASK'));
});

test('formatBytes: bytes below a KiB, then binary units with one decimal below 100', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.0 KiB');
  assert.equal(formatBytes(36 * 1024), '36.0 KiB');
  assert.equal(formatBytes(512 * 1024 * 1024), '512 MiB');
  assert.equal(formatBytes(1.5 * 1024 ** 3), '1.5 GiB');
  assert.equal(formatBytes(3 * 1024 ** 5), '3072 TiB');
});
