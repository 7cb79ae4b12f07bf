import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MaskingStream } from './masking-stream.js';
import { SecretMasker } from './secret-masker.js';

const MASK = '********';

function streamAll(masker: SecretMasker, chunks: readonly Buffer[]): Buffer {
  const stream = new MaskingStream(masker);
  const out = chunks.map((chunk) => stream.push(chunk));
  out.push(stream.end());
  return Buffer.concat(out);
}

/** `input` cut at the given byte offsets (ascending). */
function splitAt(input: Buffer, cuts: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    chunks.push(input.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

test('MaskingStream: a secret split at every position across two chunks', () => {
  const secret = 'sk-SECRET-0123456789';
  const masker = new SecretMasker([secret]);
  const input = Buffer.from(`before ${secret} after`);
  for (let i = 0; i <= input.length; i++) {
    assert.equal(streamAll(masker, splitAt(input, [i])).toString(), `before ${MASK} after`, `split at ${i}`);
  }
});

test('MaskingStream: secrets split at every pair of positions across three chunks', () => {
  const masker = new SecretMasker(['abcdefgh', 'abcdefghij', '12345678', '5678wxyz']);
  const input = Buffer.from('<abcdefghij|abcdefgh|1234567|12345678wxyz|abcdefgh>');
  const expected = `<${MASK}|${MASK}|1234567|${MASK}|${MASK}>`;
  for (let i = 0; i <= input.length; i++) {
    for (let j = i; j <= input.length; j++) {
      assert.equal(streamAll(masker, splitAt(input, [i, j])).toString(), expected, `split at ${i}, ${j}`);
    }
  }
});

test('MaskingStream: one byte at a time', () => {
  const masker = new SecretMasker(['abcdefgh', 'abcdefghij', 'ZYXWVUTS99']);
  const input = Buffer.from('x abcdefghij y abcdefgh z ZYXWVUTS9 ZYXWVUTS99\nAuthorization: Bearer tok.en-1 {"authorization":"v\\"w"} end');
  const bytes = [...input].map((byte) => Buffer.from([byte]));
  assert.equal(
    streamAll(masker, bytes).toString(),
    `x ${MASK} y ${MASK} z ZYXWVUTS9 ${MASK}\nAuthorization: Bearer ${MASK} {"authorization":"${MASK}"} end`,
  );
});

test('MaskingStream: an Authorization header split at every position across two chunks', () => {
  const masker = new SecretMasker([]);
  const input = Buffer.from('GET /\r\nAuthorization: Bearer eyJ0eXAi.abc_DEF-123\r\n{"authorization": "Basic Zm9v"}\r\n');
  const expected = `GET /\r\nAuthorization: Bearer ${MASK}\r\n{"authorization": "${MASK}"}\r\n`;
  for (let i = 0; i <= input.length; i++) {
    assert.equal(streamAll(masker, splitAt(input, [i])).toString(), expected, `split at ${i}`);
  }
});

test('MaskingStream: bytes 0x00-0xff pass through exactly, as the very chunk given, when nothing can match', () => {
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const masker = new SecretMasker(['SECRETSECRET', 'tokentoken']);
  const stream = new MaskingStream(masker);
  for (let round = 0; round < 4; round++) {
    const chunk = Buffer.from(every);
    assert.equal(stream.push(chunk), chunk);
  }
  assert.equal(stream.end().length, 0);

  const input = Buffer.concat([every, every, every]);
  for (const size of [1, 7, 255, 256, 300]) {
    const cuts: number[] = [];
    for (let at = size; at < input.length; at += size) cuts.push(at);
    assert.deepEqual(streamAll(masker, splitAt(input, cuts)), input, `chunks of ${size}`);
  }
});

test('MaskingStream: invalid UTF-8, escapes and multi-byte text around a non-ASCII secret', () => {
  const secret = 'pässwörd-日本-🔑';
  const masker = new SecretMasker([secret]);
  const around = (middle: Buffer): Buffer =>
    Buffer.concat([Buffer.from([0xff, 0xfe, 0x1b, 0xc3]), Buffer.from('—é日本語🎉'), middle, Buffer.from('€ü'), Buffer.from([0xe2, 0x82, 0x00, 0x1b])]);
  const input = around(Buffer.from(secret));
  const expected = around(Buffer.from(MASK));
  for (let i = 0; i <= input.length; i++) {
    assert.deepEqual(streamAll(masker, splitAt(input, [i])), expected, `split at ${i}`);
  }
});

test('MaskingStream: output length is input length minus masked bytes plus masks', () => {
  const long = 'LONGSECRET-0123456789';
  const short = 'short-1234';
  const mask = '#';
  const masker = new SecretMasker([long, short], mask);
  const input = Buffer.from(`${long} x ${short}${short} y ${long}${long}${short}\n`.repeat(50));
  const masked = 50 * (3 * long.length + 3 * short.length);
  const masks = 50 * 6;
  for (const size of [1, 5, 64, 1000]) {
    const cuts: number[] = [];
    for (let at = size; at < input.length; at += size) cuts.push(at);
    const out = streamAll(masker, splitAt(input, cuts));
    assert.equal(out.length, input.length - masked + masks * mask.length, `chunks of ${size}`);
    assert.equal(out.toString().includes('SECRET'), false);
  }
});

test('MaskingStream: holds back no more than the longest secret less one byte', () => {
  const masker = new SecretMasker(['SECRETVALUE', 'SECRETVALUE-LONGER']);
  const stream = new MaskingStream(masker);
  const chunk = Buffer.from('plain text SECRETVALUE-LONGE');
  assert.equal(stream.push(chunk).toString(), 'plain text ');
  assert.equal(stream.push(Buffer.from('X and more')).toString(), `${MASK}-LONGEX and more`);
  assert.equal(stream.push(Buffer.from('SECRETVALUE!')).toString(), `${MASK}!`);
  const plain = Buffer.from('nothing to see');
  assert.equal(stream.push(plain), plain);
  assert.equal(stream.end().length, 0);
});

test('MaskingStream: end() flushes what was held back', () => {
  const masker = new SecretMasker(['SECRETVALUE']);
  const stream = new MaskingStream(masker);
  assert.equal(stream.push(Buffer.from('abc SECR')).toString(), 'abc ');
  assert.equal(stream.end().toString(), 'SECR');
  assert.equal(stream.end().length, 0);

  assert.equal(stream.push(Buffer.from('x Authorization: Bearer abc')).toString(), 'x ');
  assert.equal(stream.end().toString(), `Authorization: Bearer ${MASK}`);

  assert.equal(stream.push(Buffer.from('tail: Author')).toString(), 'tail: ');
  assert.equal(stream.push(Buffer.from('ity')).toString(), 'Authority');
  assert.equal(stream.end().length, 0);
});

test('MaskingStream: a token longer than the hold limit is still masked to its end', () => {
  const masker = new SecretMasker([]);
  const token = 'T'.repeat(20_000);
  const json = 'J\\"'.repeat(5_000);
  const input = Buffer.from(`a Authorization: Bearer ${token} b {"authorization":"${json}"} c`);
  for (const size of [1000, 4095, 4096, 4097, 65536]) {
    const cuts: number[] = [];
    for (let at = size; at < input.length; at += size) cuts.push(at);
    assert.equal(
      streamAll(masker, splitAt(input, cuts)).toString(),
      `a Authorization: Bearer ${MASK} b {"authorization":"${MASK}"} c`,
      `chunks of ${size}`,
    );
  }
});

test('MaskingStream: any chunking gives what maskText gives for the whole', () => {
  const masker = new SecretMasker(['SECRET12', 'SECRET1234', 'CRET12SE', 'zzzzzzzz']);
  const pieces = ['SECRET12', 'SECRET1234', 'CRET12SE', 'SECRE', 'zzzz', 'Authorization: Bearer ', 'authoriz', 'tok', ' ', '"', '\\', '\n', '"authorization":"', 'x', 'a', 'AUTHORIZATION=token ', 'AuThOr', "'", ':', '\t', 'A'];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 12 }), (parts, rawCuts) => {
      const text = parts.join('');
      const input = Buffer.from(text);
      const cuts = [...new Set(rawCuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b);
      assert.equal(streamAll(masker, splitAt(input, cuts)).toString(), masker.maskText(text));
    }),
    { numRuns: 2000 },
  );
});

test('MaskingStream: 50 MB in 64 KiB chunks with two secrets completes with the right length', () => {
  const secrets = ['sk-LIVE-ABCDEFGHIJKLMNOP', 'GHP_QRSTUVWXYZ012345'];
  const masker = new SecretMasker(secrets);
  const total = 50 * 1024 * 1024;
  const line = Buffer.from('compiling module 42 of 977 ... ok \u001b[32m✓\u001b[0m é\r\n');
  const input = Buffer.alloc(total);
  for (let at = 0; at < total; at += line.length) line.copy(input, at);
  // Every ~1 MB, at offsets that drift across chunk boundaries.
  let maskedBytes = 0;
  let masks = 0;
  for (let at = 1000, i = 0; at + 64 < total; at += 1_000_003, i++) {
    const secret = secrets[i % 2]!;
    Buffer.from(secret).copy(input, at);
    maskedBytes += secret.length;
    masks++;
  }
  const chunkSize = 64 * 1024;
  const stream = new MaskingStream(masker);
  let outLength = 0;
  for (let at = 0; at < total; at += chunkSize) outLength += stream.push(input.subarray(at, at + chunkSize)).length;
  outLength += stream.end().length;
  assert.equal(outLength, total - maskedBytes + masks * MASK.length);
});

test('MaskingStream: a header whose name ends a chunk without its separator is held back until the next', () => {
  const masker = new SecretMasker(['sk-SECRET-0123456789']);
  // The quick check clears chunks without ':' or '=' on their bytes: each of these ends on
  // something that only the next chunk makes a header (or a secret).
  for (const [first, second] of [
    ['x AUTHORIZATION', ': Bearer tok1 y'],
    ['x aUtHoRiZaTiOn\\"  \t', ': Bearer tok1 y'],
    ["x authorization' ", "= token tok1 y"],
    ['x {"Authoriz', 'ation": "tok1" y'],
    ['x a', 'uthorization: basic tok1 y'],
    ['x sk-SECRET-01', '23456789 y'],
  ]) {
    const out = streamAll(masker, [Buffer.from(first!), Buffer.from(second!)]).toString();
    assert.equal(out, masker.maskText(first! + second!), `${first} | ${second}`);
    assert.ok(!out.includes('tok1') && !out.includes('SECRET'), out);
  }
});
