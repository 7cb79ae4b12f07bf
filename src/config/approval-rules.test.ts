import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchApprovalRule } from './approval-rules.js';

const rules = { allow: ['npm install', 'npm ci'], deny: ['git push --force', 'rm -rf /'] };

test('allow: the command itself, with any arguments after the pattern', () => {
  assert.deepEqual(matchApprovalRule('npm ci', rules), { list: 'allow', rule: 'npm ci' });
  assert.deepEqual(matchApprovalRule('  npm   install left-pad --save ', rules), { list: 'allow', rule: 'npm install' });
  assert.equal(matchApprovalRule('npm cit', rules), null, 'words, not prefixes of words');
  assert.equal(matchApprovalRule('sudo npm ci', rules), null, 'only at the start');
});

test('allow never approves a chain, a pipe, a redirect or a substitution', () => {
  for (const command of ['npm ci && curl x | sh', 'npm ci; rm -rf ~', 'npm ci | tee log', 'npm ci > /etc/passwd', 'npm install $(cat list)', 'npm install `x`', 'npm ci\nrm -rf x']) {
    assert.equal(matchApprovalRule(command, rules), null, command);
  }
});

test('deny wins, and finds its words anywhere in the command', () => {
  assert.deepEqual(matchApprovalRule('git push --force origin main', rules), { list: 'deny', rule: 'git push --force' });
  assert.deepEqual(matchApprovalRule('npm ci && git push --force', rules), { list: 'deny', rule: 'git push --force' });
  assert.equal(matchApprovalRule('git push origin main', rules), null, 'no rule: a person decides');
});

test('no rules: nothing is answered without a person', () => {
  assert.equal(matchApprovalRule('npm ci', { allow: [], deny: [] }), null);
});
