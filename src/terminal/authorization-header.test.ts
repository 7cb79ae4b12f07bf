import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEADER_SOURCE, HEADER_TAIL_SOURCE } from './authorization-header.js';

// One of each form the header pattern recognises, from the name to the end of the value.
const HEADERS = [
  'Authorization: Bearer eyJhbGciOi.eyJzdWIi',
  'authorization:basic dXNlcjpwYXNz==',
  "Authorization': 'token ghp_xyz",
  'Authorization=Bearer tok',
  'authorization\\":\\"Bearer esc123',
  'authorization": "opaque \\"quoted\\" value',
  'authorization":"x\\',
];

test('every header the pattern masks is one whole match of it, to the end of its value', () => {
  for (const header of HEADERS) {
    const match = new RegExp(HEADER_SOURCE, 'gi').exec(header);
    assert.equal(match?.index, 0, header);
    assert.equal(match?.[0], header, header);
  }
});

test('every beginning of such a header, up to its whole value, is a tail to hold back', () => {
  for (const header of HEADERS) {
    for (let end = 1; end <= header.length; end++) {
      const prefix = header.slice(0, end);
      assert.equal(new RegExp(HEADER_TAIL_SOURCE, 'gi').exec(prefix)?.index, 0, JSON.stringify(prefix));
    }
  }
});

test('a header whose value has ended, or text that cannot become one, is not a tail', () => {
  for (const text of ['Authorization: Bearer tok ', 'Authorization: Bearer tok"', '{"authorization":"v"', 'Authorization required', 'authorization failed: Bearer', 'x']) {
    assert.equal(new RegExp(HEADER_TAIL_SOURCE, 'gi').exec(text), null, JSON.stringify(text));
  }
});
