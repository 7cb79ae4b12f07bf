import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseStep, findRule, scriptSchema } from './script.js';

const script = scriptSchema.parse({
  rules: [
    { match: 'write alpha', steps: [{ exec: 'echo a > a.txt' }, { exec: 'cat a.txt' }, { say: 'Wrote alpha.' }] },
    { match: 'alpha', steps: [{ say: 'generic alpha' }] },
    { match: 'outage', steps: [{ fail: 503 }] },
  ],
});

test('chooseStep: the first matching rule wins, steps advance with tool outputs', () => {
  assert.deepEqual(chooseStep(script, 'please write alpha now', 0), { exec: 'echo a > a.txt' });
  assert.deepEqual(chooseStep(script, 'please write alpha now', 1), { exec: 'cat a.txt' });
  assert.deepEqual(chooseStep(script, 'please write alpha now', 2), { say: 'Wrote alpha.' });
  // Steps used up: the turn ends.
  assert.deepEqual(chooseStep(script, 'please write alpha now', 3), { say: 'Done.' });
  assert.deepEqual(chooseStep(script, 'please write alpha now', 50), { say: 'Done.' });
  // A later, broader rule applies only when the earlier one does not match.
  assert.deepEqual(chooseStep(script, 'just alpha', 0), { say: 'generic alpha' });
  assert.deepEqual(chooseStep(script, 'model outage', 0), { fail: 503 });
});

test('findRule: the first rule whose match is in the text, else undefined', () => {
  assert.equal(findRule(script, 'write alpha and alpha'), script.rules[0]);
  assert.equal(findRule(script, 'alpha'), script.rules[1]);
  assert.equal(findRule(script, 'beta'), undefined);
});

test('chooseStep: matching is a case-sensitive substring', () => {
  assert.deepEqual(chooseStep(script, 'ALPHA', 0), { say: 'Done.' });
  assert.deepEqual(chooseStep(script, 'xxwrite alphaxx', 0), { exec: 'echo a > a.txt' });
});

test('chooseStep: no rule matches → the fallback', () => {
  assert.deepEqual(chooseStep(script, 'something else', 0), { say: 'Done.' });
  const custom = scriptSchema.parse({ fallback: [{ exec: 'ls' }, { say: 'Listed.' }] });
  assert.deepEqual(custom.rules, []);
  assert.deepEqual(chooseStep(custom, 'anything', 0), { exec: 'ls' });
  assert.deepEqual(chooseStep(custom, 'anything', 1), { say: 'Listed.' });
  assert.deepEqual(chooseStep(custom, 'anything', 2), { say: 'Done.' });
});

test('scriptSchema: defaults and refusals', () => {
  assert.deepEqual(scriptSchema.parse({}), { rules: [], fallback: [{ say: 'Done.' }] });
  assert.equal(scriptSchema.safeParse({ rules: [{ match: 'x', steps: [] }] }).success, false);
  assert.equal(scriptSchema.safeParse({ rules: [{ match: '', steps: [{ say: 'x' }] }] }).success, false);
  assert.equal(scriptSchema.safeParse({ rules: [{ match: 'x', steps: [{ fail: 200 }] }] }).success, false);
  assert.equal(scriptSchema.safeParse({ rules: [{ match: 'x', steps: [{ shout: 'x' }] }] }).success, false);
  assert.equal(scriptSchema.safeParse({ rule: [] }).success, false);
  assert.equal(scriptSchema.safeParse({ rules: [{ match: 'x', failFirst: -1, steps: [{ say: 'x' }] }] }).success, false);
  assert.equal(scriptSchema.safeParse({ rules: [{ match: 'x', failFirst: 2, steps: [{ say: 'x' }] }] }).success, true);
});
