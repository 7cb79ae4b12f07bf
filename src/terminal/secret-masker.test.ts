import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretMasker } from './secret-masker.js';

const MASK = '********';

test('maskText: every occurrence of every secret, the longer of two prefix-related ones whole', () => {
  const masker = new SecretMasker(['abcdefgh', 'abcdefghij', 'ZYXWVUTS99']);
  assert.equal(
    masker.maskText('a=abcdefghij b=abcdefgh c=ZYXWVUTS99 d=abcdefghijk e=abcdefgabcdefgh'),
    `a=${MASK} b=${MASK} c=${MASK} d=${MASK}k e=abcdefg${MASK}`,
  );
  assert.equal(masker.maskText('nothing here'), 'nothing here');
});

test('maskText: overlapping secrets become one mask, adjacent ones two', () => {
  const masker = new SecretMasker(['AAAABBBB', 'BBBBCCCC']);
  assert.equal(masker.maskText('xAAAABBBBCCCCy'), `x${MASK}y`);
  assert.equal(masker.maskText('xAAAABBBBAAAABBBBy'), `x${MASK}${MASK}y`);
  assert.equal(new SecretMasker(['aaaaaaaa']).maskText('-aaaaaaaaaaa-'), `-${MASK}-`);
});

test('maskText: custom mask, non-ASCII secret, empty secrets ignored', () => {
  const masker = new SecretMasker(['', 'pässwörd-日本', 'pässwörd-日本'], '[hidden]');
  assert.deepEqual(masker.secrets, ['pässwörd-日本']);
  assert.equal(masker.maskText('«pässwörd-日本» ok'), '«[hidden]» ok');
});

test('maskText: Authorization header values are masked whether or not they are known secrets', () => {
  const masker = new SecretMasker(['knownsecret123']);
  const cases: Array<[string, string]> = [
    ['Authorization: Bearer eyJhbGciOi.eyJzdWIi.SflKxw-_x', `Authorization: Bearer ${MASK}`],
    ['> authorization: bearer abc123\r\n> Accept: */*', `> authorization: bearer ${MASK}\r\n> Accept: */*`],
    ['AUTHORIZATION:BASIC dXNlcjpwYXNz== rest', `AUTHORIZATION:BASIC ${MASK} rest`],
    ['Proxy-Authorization: Basic Zm9vOmJhcg==', `Proxy-Authorization: Basic ${MASK}`],
    [`curl -H "Authorization: Bearer tok-1" https://x`, `curl -H "Authorization: Bearer ${MASK}" https://x`],
    [`headers: {'Authorization': 'token ghp_xyz'}`, `headers: {'Authorization': 'token ${MASK}'}`],
    ['Authorization: Bearer knownsecret123', `Authorization: Bearer ${MASK}`],
    ['{"authorization":"Bearer abc.def","x":1}', `{"authorization":"${MASK}","x":1}`],
    ['{"Authorization": "opaque \\"quoted\\" value"}', `{"Authorization": "${MASK}"}`],
    ['{\\"authorization\\":\\"Bearer esc123\\"}', `{\\"authorization\\":\\"Bearer ${MASK}\\"}`],
    ['Authorization required', 'Authorization required'],
    ['Authorization: Bearer', 'Authorization: Bearer'],
    ['authorization failed: Bearer abc', 'authorization failed: Bearer abc'],
    ['{"authorization":""}', '{"authorization":""}'],
  ];
  for (const [input, expected] of cases) assert.equal(masker.maskText(input), expected, input);
});
