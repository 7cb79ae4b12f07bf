/**
 * Masks raw PTY bytes that arrive in arbitrary chunks, so a secret or Authorization header
 * cut in two by a chunk boundary is still caught: the end of each chunk that could begin one
 * is held back until the next chunk (or `end()`) settles it.
 */
import { HEADER_NAME, HEADER_SOURCE, HEADER_TAIL_SOURCE } from './authorization-header.js';
import { findPieces, mergePieces, type Piece, type Range, type SecretMasker } from './secret-masker.js';

// A header's token can only be held back for so long: the stream keeps at most this many bytes
// waiting for the end of a header it has started to see. Real tokens (JWTs included) stay
// well under 4 KiB, the usual limit servers put on a single header line.
const HEADER_HOLD_LIMIT = 4096;

// How far back the stream keeps already-written bytes of a header whose token is still going
// on, to recognise its continuation. Beyond it the header is replaced by a short stand-in that
// parses the same way, so an endless token cannot make the stream rescan ever more bytes.
const HEADER_CONTEXT_LIMIT = 4096;

const EMPTY = Buffer.alloc(0);

// Chunks are scanned as strings, and V8 allocates a string above 128 KiB by itself in its
// large-object space, about 10 times slower per byte: a bigger chunk is scanned in slices.
const SCAN_BYTES = 64 * 1024;

/** Both header forms have one of these after the name (see HEADER_SOURCE). */
const COLON = 0x3a;
const EQUALS = 0x3d;
/** What may follow the whole name in a header's beginning before its ':' or '=' (see HEADER_TAIL_SOURCE). */
const BEFORE_SEPARATOR = new Set([0x5c, 0x22, 0x27, 0x20, 0x09]);
/** The most the quick check holds back: a longer beginning (a name and a run of spaces) is left to the full scan. */
const QUICK_HOLD_BYTES = 64;

/**
 * Masks a byte stream chunk by chunk. The bytes are handled as latin1 strings (one char per
 * byte, never decoded), so any byte sequence, valid UTF-8 or not, comes out exactly as it went
 * in wherever nothing is masked, and string offsets are byte offsets.
 *
 * State between chunks is one buffer, `carry`: its first `emitted` bytes were already returned
 * (kept only as context, to recognise a secret or header that continues), the rest are held
 * back because they may be the beginning of one.
 */
export class MaskingStream {
  private readonly secrets: readonly string[];
  /** The same secrets as bytes, for the quick check. */
  private readonly secretBytes: readonly Buffer[];
  private readonly maskBytes: Buffer;
  private readonly header = new RegExp(HEADER_SOURCE, 'gi');
  private readonly name = new RegExp(HEADER_NAME, 'gi');
  /** Sticky: matches a header's beginning that runs from exactly `lastIndex` to the end. */
  private readonly headerTailAt = new RegExp(HEADER_TAIL_SOURCE, 'iy');
  private carry: Buffer = EMPTY;
  private emitted = 0;

  constructor(masker: SecretMasker) {
    this.secretBytes = masker.secrets.map((secret) => Buffer.from(secret, 'utf8'));
    this.secrets = this.secretBytes.map((bytes) => bytes.toString('latin1'));
    this.maskBytes = Buffer.from(masker.mask, 'utf8');
  }

  push(chunk: Buffer): Buffer {
    if (chunk.length > SCAN_BYTES) {
      const parts: Buffer[] = [];
      for (let at = 0; at < chunk.length; at += SCAN_BYTES) parts.push(this.pushSlice(chunk.subarray(at, at + SCAN_BYTES)));
      return Buffer.concat(parts);
    }
    return this.pushSlice(chunk);
  }

  private pushSlice(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    if (this.emitted === 0) {
      const cut = this.quickCut(data);
      if (cut !== -1) {
        this.carry = cut === data.length ? EMPTY : Buffer.from(data.subarray(cut));
        return cut === data.length ? data : data.subarray(0, cut);
      }
    }
    return this.process(data, false);
  }

  /**
   * Where `data` (nothing of it returned yet) can be cut when it holds nothing to mask: the
   * bytes before go out as they are, the rest (the beginning of a secret or a header, at most
   * QUICK_HOLD_BYTES) is held back. -1 when the full scan must decide. Nearly all output is
   * such, and a PTY is read 4 KiB at a time, on the path every byte of output takes: this
   * decides it on the bytes, with native searches and no string, and took the cost per read
   * of the 200 MiB flood from 4.7 to about 2 µs with one 10-byte secret, from 2.2 to about
   * 0.9 µs with none (warm microbenchmarks). It only ever leaves to the scan what it cannot
   * clear.
   */
  private quickCut(data: Buffer): number {
    for (const secret of this.secretBytes) if (data.indexOf(secret) !== -1) return -1;
    // A whole header has a ':' or '=' after its name: without either, only the end of the
    // data can hold the beginning of one, which beginningAt finds.
    if (data.indexOf(COLON) !== -1 || data.indexOf(EQUALS) !== -1) {
      this.name.lastIndex = 0;
      if (this.name.test(data.toString('latin1'))) return -1;
    }
    const cut = this.beginningAt(data);
    return data.length - cut <= QUICK_HOLD_BYTES ? cut : -1;
  }

  /**
   * The first position from which the end of `data` may be the beginning of a secret or of a
   * header without its ':' or '=' yet (data.length if none): a superset of what `safeEnd`
   * holds back when the data holds neither.
   */
  private beginningAt(data: Buffer): number {
    const length = data.length;
    let cut = length;
    for (const secret of this.secretBytes) {
      const first = secret[0];
      for (let at = Math.max(0, length - secret.length + 1); at < cut; at += 1) {
        if (data[at] === first && secret.subarray(0, length - at).equals(data.subarray(at))) {
          cut = at;
          break;
        }
      }
    }
    // The whole name followed by what may come before its separator, or a part of the name from
    // its first letter, compared without regard to case as the patterns are.
    let end = length;
    while (end > 0 && BEFORE_SEPARATOR.has(data[end - 1]!)) end -= 1;
    if (end < length) {
      const at = end - HEADER_NAME.length;
      return at >= 0 && this.isNamePrefix(data, at, HEADER_NAME.length) ? Math.min(cut, at) : cut;
    }
    for (let at = Math.max(0, length - HEADER_NAME.length); at < cut; at += 1) {
      if (this.isNamePrefix(data, at, length - at)) return at;
    }
    return cut;
  }

  /** Whether the `count` bytes of `data` from `at` are the name's first `count` letters, in any case. */
  private isNamePrefix(data: Buffer, at: number, count: number): boolean {
    for (let i = 0; i < count; i += 1) {
      if ((data[at + i]! | 0x20) !== HEADER_NAME.charCodeAt(i)) return false;
    }
    return true;
  }

  end(): Buffer {
    const data = this.carry;
    const out = this.process(data, true);
    this.carry = EMPTY;
    this.emitted = 0;
    return out;
  }

  private process(data: Buffer, final: boolean): Buffer {
    const text = data.toString('latin1');
    const emitted = this.emitted;
    // Both header forms begin with the whole name: a text without it (nearly all output) is
    // scanned once for it, not with the two header patterns.
    this.name.lastIndex = 0;
    const named = this.name.test(text);
    const pieces = findPieces(text, this.secrets, named ? this.header : null);
    const cut = final ? text.length : this.safeEnd(text, emitted, named);
    const out = this.assemble(data, mergePieces(pieces), emitted, cut);
    if (final) return out;
    this.keepCarry(data, text, pieces, cut);
    return out;
  }

  /** Where the bytes that could still turn out to be part of a secret or header begin. */
  private safeEnd(text: string, emitted: number, named: boolean): number {
    let cut = text.length;
    for (const secret of this.secrets) {
      // Only a proper prefix of a secret can sit at the end; a whole one is already a piece.
      const first = secret.charAt(0);
      for (let at = text.indexOf(first, Math.max(emitted, text.length - secret.length + 1)); at !== -1 && at < cut; at = text.indexOf(first, at + 1)) {
        if (secret.startsWith(text.slice(at))) {
          cut = at;
          break;
        }
      }
    }
    const tail = this.openHeaderStart(text, Math.max(emitted, text.length - HEADER_HOLD_LIMIT), named);
    if (tail !== -1) cut = Math.min(cut, tail);
    return cut;
  }

  /**
   * The first position from `from` where a beginning of a header runs to the end of `text`,
   * or -1. Such a beginning either holds the whole name, and starts where the name does, or
   * is shorter than the name, and starts among the last characters: only those positions
   * are tried, instead of matching the tail pattern at every position of the text.
   */
  private openHeaderStart(text: string, from: number, named: boolean): number {
    if (named) {
      this.name.lastIndex = from;
      for (let match = this.name.exec(text); match !== null; match = this.name.exec(text)) {
        this.headerTailAt.lastIndex = match.index;
        if (this.headerTailAt.test(text)) return match.index;
      }
    }
    for (let at = Math.max(from, text.length - HEADER_NAME.length + 1); at < text.length; at += 1) {
      // Only where the name's first letter is, in either case.
      if ((text.charCodeAt(at) | 0x20) !== HEADER_NAME.charCodeAt(0)) continue;
      this.headerTailAt.lastIndex = at;
      if (this.headerTailAt.test(text)) return at;
    }
    return -1;
  }

  private assemble(data: Buffer, ranges: readonly Range[], emitted: number, cut: number): Buffer {
    const parts: Buffer[] = [];
    let at = emitted;
    for (const range of ranges) {
      if (range.end <= emitted) continue;
      if (range.start >= cut) break;
      if (range.start > at) parts.push(data.subarray(at, range.start));
      // A stretch that began among the bytes already returned had its mask returned with them;
      // what follows of it is dropped, not masked again.
      if (range.start >= emitted) parts.push(this.maskBytes);
      at = Math.min(range.end, cut);
    }
    if (at === emitted) return emitted === 0 && cut === data.length ? data : data.subarray(emitted, cut);
    if (at < cut) parts.push(data.subarray(at, cut));
    return Buffer.concat(parts);
  }

  /**
   * Keeps the held-back bytes, plus the already-returned start of any secret or header that
   * reaches past the cut: the next chunk is scanned together with them, so the continuation is
   * recognised as part of a stretch whose mask has already gone out.
   */
  private keepCarry(data: Buffer, text: string, pieces: readonly Piece[], cut: number): void {
    let keepFrom = cut;
    let secretsFrom = cut;
    let farHeader: Piece | undefined;
    for (const piece of pieces) {
      if (piece.kind === 'secret') {
        if (piece.start < cut && piece.end > cut) secretsFrom = Math.min(secretsFrom, piece.start);
      } else if (piece.anchor < cut && (piece.end > cut || piece.open)) {
        if (piece.start < cut && cut - piece.anchor > HEADER_CONTEXT_LIMIT) farHeader = piece;
        else keepFrom = Math.min(keepFrom, piece.anchor);
      }
    }
    keepFrom = Math.min(keepFrom, secretsFrom);
    if (farHeader === undefined) {
      this.carry = keepFrom === data.length ? EMPTY : Buffer.from(data.subarray(keepFrom));
      this.emitted = cut - keepFrom;
      return;
    }
    // A secret that began inside the token before `join` is given up on here; it can only
    // matter for a secret with a space or quote in it that starts inside a 4 KiB token.
    const join = Math.max(secretsFrom, farHeader.start);
    const standIn = Buffer.from(this.standInFor(farHeader, text, join), 'latin1');
    this.carry = Buffer.concat([standIn, data.subarray(join)]);
    this.emitted = standIn.length + cut - join;
  }

  /** A short header that leaves the parser where the real one was at `join`. */
  private standInFor(piece: Piece, text: string, join: number): string {
    if (piece.kind === 'header') return 'authorization: bearer x';
    // Inside a JSON string, a run of backslashes starts where an escape cannot be pending, so
    // an odd run means its last backslash escapes whatever comes next.
    const run = /\\*$/.exec(text.slice(piece.start, join))?.[0].length ?? 0;
    return `authorization":"x${run % 2 === 1 ? '\\' : ''}`;
  }
}
