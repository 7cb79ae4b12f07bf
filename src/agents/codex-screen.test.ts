import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readCodexScreen } from './codex-screen.js';

// Screens captured with tmux from the real codex 0.169.0 TUI against the scripted model.
function fixture(name: string): string[] {
  return readFileSync(new URL(`../../../src/agents/fixtures/codex-0.169.0-${name}.txt`, import.meta.url), 'utf8').split('\n');
}

test('the approval prompt is waiting_approval, with its command and reason', () => {
  assert.deepEqual(readCodexScreen(fixture('approval')), { kind: 'waiting_approval', command: 'git push origin main', reason: 'needs to leave the sandbox' });
});

test('a running turn is working, though the composer placeholder is on screen too', () => {
  assert.deepEqual(readCodexScreen(fixture('working')), { kind: 'working' });
});

test('a finished turn waits for input', () => {
  assert.deepEqual(readCodexScreen(fixture('waiting-input')), { kind: 'waiting_input' });
});

test('after /quit nothing is recognised', () => {
  assert.deepEqual(readCodexScreen(fixture('exited')), { kind: 'unknown' });
});

test('the approval question without its footer (still drawing) is not an approval yet', () => {
  const lines = fixture('approval').filter((l) => !l.includes('Press enter to confirm'));
  assert.notEqual(readCodexScreen(lines).kind, 'waiting_approval');
});
