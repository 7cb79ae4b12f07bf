import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMcpError, McpError, UsageError } from './errors.js';

test("an error from another copy of this module (a command's own bundle) is still mcp's own", async () => {
  // A second instance of the module, as a separately bundled command has.
  const copy = (await import(`./errors.js?copy=${Date.now()}`)) as typeof import('./errors.js');
  const error = new copy.UsageError('bad flag', 'give another');
  assert.equal(error instanceof McpError, false, 'instanceof cannot see across copies');
  assert.equal(isMcpError(error), true);
  assert.equal(isMcpError(new UsageError('x')), true);
  assert.equal(isMcpError(new Error('plain')), false);
  assert.equal(isMcpError({ message: 'duck', exitCode: 2 }), false);
  assert.equal(isMcpError(null), false);
});
