import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wantsLiveView } from './foreground.js';

test('the live view is for terminals: not for pipes or files, and not when NO_TTY is set', () => {
  const terminal = process.stdout as NodeJS.WritableStream & { isTTY?: boolean };
  const fake = (isTTY: boolean | undefined): NodeJS.WritableStream => Object.assign(Object.create(terminal) as object, { isTTY }) as unknown as NodeJS.WritableStream;
  assert.equal(wantsLiveView(fake(true), {}), true);
  assert.equal(wantsLiveView(fake(false), {}), false);
  assert.equal(wantsLiveView(fake(undefined), {}), false);
  assert.equal(wantsLiveView(fake(true), { NO_TTY: '1' }), false);
  assert.equal(wantsLiveView(fake(true), { NO_TTY: '' }), true, 'an empty NO_TTY says nothing');
});
