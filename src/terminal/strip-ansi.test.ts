import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripAnsi } from './strip-ansi.js';

const ESC = '\u001b';
const BEL = '\u0007';

test('stripAnsi: CSI colours are removed', () => {
  assert.equal(stripAnsi(`${ESC}[31mred${ESC}[0m plain`), 'red plain');
  assert.equal(stripAnsi(`${ESC}[1;38;5;208mbold orange${ESC}[39;49m`), 'bold orange');
  assert.equal(stripAnsi(`${ESC}[38;2;255;0;10mtrue${ESC}[m`), 'true');
});

test('stripAnsi: cursor moves, erases and private modes are removed', () => {
  assert.equal(stripAnsi(`${ESC}[2K${ESC}[1G${ESC}[10;20Hx${ESC}[3A${ESC}[?25l${ESC}[?2004h${ESC}[?25hy${ESC}[J`), 'xy');
  assert.equal(stripAnsi(`a${ESC}Mb${ESC}Dc`), 'abc');
});

test('stripAnsi: OSC sequences end at BEL or at ST', () => {
  assert.equal(stripAnsi(`${ESC}]0;my title${BEL}text`), 'text');
  assert.equal(stripAnsi(`${ESC}]2;other title${ESC}\\text`), 'text');
  assert.equal(stripAnsi(`${ESC}]8;;https://example.com/a?b=c${ESC}\\link${ESC}]8;;${ESC}\\ after`), 'link after');
});

test('stripAnsi: CRLF becomes LF and lone CRs go', () => {
  assert.equal(stripAnsi('one\r\ntwo\r\n'), 'one\ntwo\n');
  assert.equal(stripAnsi('10%\r20%\r\n'), '10%20%\n');
});

test('stripAnsi: other C0 controls go, tab and newline stay', () => {
  assert.equal(stripAnsi(`ring${BEL} back\bspace\u0000nul\u007f`), 'ring backspacenul');
  assert.equal(stripAnsi('col1\tcol2\n'), 'col1\tcol2\n');
});

test('stripAnsi: plain and non-ASCII text is untouched', () => {
  const plain = 'hello world: [brackets] ]odd] {json: "x"}\n\tindented';
  assert.equal(stripAnsi(plain), plain);
  const unicode = 'héllo — 日本語 🎉 “quotes” Ω';
  assert.equal(stripAnsi(unicode), unicode);
  assert.equal(stripAnsi(`${ESC}[32m${unicode}${ESC}[0m`), unicode);
  assert.equal(stripAnsi(''), '');
});

// `tput sgr0` on xterm-256color prints ESC ( B ESC [ m: no byte of it may be left behind.
test('stripAnsi: charset designation and DECSC/DECRC/DECKPAM escapes are removed whole', () => {
  assert.equal(stripAnsi(`${ESC}(B${ESC}[mtext`), 'text');
  assert.equal(stripAnsi(`${ESC}7saved${ESC}8`), 'saved');
  assert.equal(stripAnsi(`${ESC}[?1h${ESC}=x`), 'x');
});
