import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, FRAME, FrameDecoder, FrameTooLargeError, type Frame } from './attach-frames.js';

const sample = [
  encodeFrame(FRAME.output, Buffer.from('plain output {"ok":false}\n')),
  encodeFrame(FRAME.screen, '\u001b[2Jscreen é€😀'),
  encodeFrame(FRAME.notice, JSON.stringify({ message: 'hello' })),
  encodeFrame(FRAME.input, Buffer.alloc(0)),
  encodeFrame(FRAME.input, Buffer.alloc(70_000, 0x61)),
];
const stream = Buffer.concat(sample);

function summary(frames: Frame[]): string[] {
  return frames.map((f) => `${f.type}:${f.payload.length}:${f.payload.toString('base64').slice(0, 40)}`);
}

test('FrameDecoder: the same frames whatever the chunk boundaries', () => {
  const whole = new FrameDecoder(1 << 20).push(stream);
  assert.equal(whole.length, 5);
  assert.equal(whole[1]?.payload.toString('utf8'), '\u001b[2Jscreen é€😀');
  for (const size of [1, 2, 5, 7, 4096, 65_536]) {
    const decoder = new FrameDecoder(1 << 20);
    const frames: Frame[] = [];
    for (let at = 0; at < stream.length; at += size) frames.push(...decoder.push(stream.subarray(at, at + size)));
    assert.deepEqual(summary(frames), summary(whole), `chunks of ${size}`);
    assert.ok(frames[4]?.payload.equals(Buffer.alloc(70_000, 0x61)));
  }
});

test('FrameDecoder: a frame larger than accepted is refused from its header alone', () => {
  const decoder = new FrameDecoder(1024);
  const big = encodeFrame(FRAME.input, Buffer.alloc(2048));
  assert.throws(() => decoder.push(big.subarray(0, 5)), FrameTooLargeError);
});
