import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colorEnabled, statePainter } from './color.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

test('colors go to a TTY, not to a pipe, and never to TERM=dumb', () => {
  assert.equal(colorEnabled(tty, {}), true);
  assert.equal(colorEnabled(pipe, {}), false);
  assert.equal(colorEnabled({}, {}), false);
  assert.equal(colorEnabled(tty, { TERM: 'dumb' }), false);
});

test('NO_COLOR with any non-empty value turns colors off, even with FORCE_COLOR', () => {
  for (const value of ['1', '0', 'false', 'yes', ' ']) assert.equal(colorEnabled(tty, { NO_COLOR: value }), false, `NO_COLOR=${JSON.stringify(value)}`);
  assert.equal(colorEnabled(tty, { NO_COLOR: '1', FORCE_COLOR: '1' }), false);
  // An empty NO_COLOR is no opinion (no-color.org).
  assert.equal(colorEnabled(tty, { NO_COLOR: '' }), true);
});

test('FORCE_COLOR turns colors on into a pipe; FORCE_COLOR=0 or false turns them off on a TTY', () => {
  assert.equal(colorEnabled(pipe, { FORCE_COLOR: '1' }), true);
  assert.equal(colorEnabled(pipe, { FORCE_COLOR: '' }), true);
  assert.equal(colorEnabled(pipe, { FORCE_COLOR: '3' }), true);
  assert.equal(colorEnabled(tty, { FORCE_COLOR: '0' }), false);
  assert.equal(colorEnabled(tty, { FORCE_COLOR: 'false' }), false);
});

test('each state has its color; other states and disabled painters leave text alone', () => {
  const paint = statePainter(true);
  assert.equal(paint('succeeded'), '\x1b[32msucceeded\x1b[39m');
  assert.equal(paint('failed'), '\x1b[31mfailed\x1b[39m');
  assert.equal(paint('timed_out'), '\x1b[31mtimed_out\x1b[39m');
  assert.equal(paint('running'), '\x1b[36mrunning\x1b[39m');
  assert.equal(paint('blocked'), '\x1b[33mblocked\x1b[39m');
  assert.equal(paint('killed'), '\x1b[33mkilled\x1b[39m');
  assert.equal(paint('waiting_approval'), '\x1b[35mwaiting_approval\x1b[39m');
  assert.equal(paint('running', 'spinner'), '\x1b[36mspinner\x1b[39m');
  assert.equal(paint('pending'), 'pending');
  assert.equal(paint('succeeded', ''), '');
  assert.equal(statePainter(false)('failed'), 'failed');
});
