import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stderrReason } from './stderr-reason.js';

test("a Node crash: the error, not the stack, the caret or Node's version banner", () => {
  const crash = ["[eval]:1", "require('fs').readFileSync('missing.txt')", '              ^', '', "Error: ENOENT: no such file or directory, open 'missing.txt'", '    at Object.openSync (node:fs:573:18)', '    at [eval]:1:15', '', 'Node.js v20.20.2', ''].join('\n');
  assert.equal(stderrReason(crash), "require('fs').readFileSync('missing.txt') | Error: ENOENT: no such file or directory, open 'missing.txt'");
});

test("an error object's dump: its fields, not its closing bracket", () => {
  const dump = ['Error: boom', '    at x (/a.js:1:1) {', "  code: 'EBOOM'", '}', '', 'Node.js v22.1.0'].join('\n');
  assert.equal(stderrReason(dump), "Error: boom | code: 'EBOOM'");
});

test('a Python traceback ends with its error line; plain lines are quoted as they are', () => {
  const traceback = ['Traceback (most recent call last):', '  File "t.py", line 1, in <module>', '    int("x")', 'ValueError: invalid literal for int() with base 10: \'x\''].join('\n');
  assert.equal(stderrReason(traceback), 'int("x") | ValueError: invalid literal for int() with base 10: \'x\'');
  assert.equal(stderrReason('boom on stderr\n'), 'boom on stderr');
  assert.equal(stderrReason('\n\n'), '');
});

test('lines the caller knows to be noise are left out too', () => {
  assert.equal(stderrReason('real problem\nWARN chatter\n', (line) => line.startsWith('WARN')), 'real problem');
});
