import * as z from 'zod';

/**
 * After the reply line of an `attach` request, the connection carries frames both ways: one
 * type byte, the payload's length (4 bytes, big-endian), the payload. A task's output and the
 * protocol's own messages then can never be taken for one another, whatever the task prints
 * or the user pastes; JSON lines mixed into the raw output stream did exactly that.
 */
export const FRAME = {
  /** Supervisor to viewer: PTY output, raw bytes. */
  output: 1,
  /** Supervisor to viewer: the whole current screen (on attach, and after output was dropped): clear, then draw it. */
  screen: 2,
  /** Supervisor to viewer: a message for the user, JSON (noticeSchema); never terminal output. */
  notice: 3,
  /** Viewer to supervisor: keys and pastes, raw bytes. */
  input: 16,
  /** Viewer to supervisor: the terminal's size, JSON (resizeSchema). */
  resize: 17,
} as const;
export type FrameType = (typeof FRAME)[keyof typeof FRAME];

export interface Frame {
  type: number;
  payload: Buffer;
}

const HEADER_BYTES = 5;

/**
 * Input is sent in frames of at most this size, so a paste of any size arrives whole while
 * the supervisor never has to hold more than one frame of it to read it.
 */
export const MAX_INPUT_FRAME_BYTES = 64 * 1024;
/** The largest frame a viewer accepts: a screen with its scrollback is well below it. */
export const MAX_VIEWER_FRAME_BYTES = 16 * 1024 * 1024;

export const resizeSchema = z.object({ cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) }).strict();
export const noticeSchema = z.object({ message: z.string().max(2000) }).strict();

export function encodeFrame(type: FrameType, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

/** A frame announced larger than the reader accepts: the stream cannot be trusted after it. */
export class FrameTooLargeError extends Error {}

/**
 * Cuts a byte stream into frames, whatever the boundaries of the chunks it arrives in. Chunks
 * are kept as they came until a whole frame is there, so a large frame is copied once.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly maxPayloadBytes: number) {}

  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
    }
    const frames: Frame[] = [];
    while (this.bytes >= HEADER_BYTES) {
      const header = this.peek(HEADER_BYTES);
      const length = header.readUInt32BE(1);
      if (length > this.maxPayloadBytes) throw new FrameTooLargeError(`a frame of ${length} bytes is larger than the ${this.maxPayloadBytes} accepted`);
      if (this.bytes < HEADER_BYTES + length) break;
      const frame = this.take(HEADER_BYTES + length);
      frames.push({ type: frame.readUInt8(0), payload: frame.subarray(HEADER_BYTES) });
    }
    return frames;
  }

  private peek(n: number): Buffer {
    while ((this.chunks[0]?.length ?? 0) < n) this.chunks.splice(0, 2, Buffer.concat(this.chunks.slice(0, 2)));
    return (this.chunks[0] as Buffer).subarray(0, n);
  }

  private take(n: number): Buffer {
    this.bytes -= n;
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const head = this.chunks[0] as Buffer;
      if (head.length <= need) {
        parts.push(head);
        this.chunks.shift();
        need -= head.length;
      } else {
        parts.push(head.subarray(0, need));
        this.chunks[0] = head.subarray(need);
        need = 0;
      }
    }
    return Buffer.concat(parts, n);
  }
}
