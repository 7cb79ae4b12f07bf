/**
 * Masks secrets and Authorization header values in a whole string. The pieces to mask are
 * found and merged here for `MaskingStream` too, which runs the same search over bytes.
 */
import { HEADER_SOURCE } from './authorization-header.js';
import { sortLongestFirst } from './secret-values.js';

export type PieceKind = 'secret' | 'header' | 'json';

/** One stretch to mask, before overlapping stretches are merged. */
export interface Piece {
  start: number;
  end: number;
  /** Where the construct begins: the header name for headers, the secret itself otherwise. */
  anchor: number;
  kind: PieceKind;
  /** A header value that reaches the end of the text, so more of it may follow. */
  open: boolean;
}

export interface Range {
  start: number;
  end: number;
}

/** `header` null: the text is known to hold no header (it lacks the name). */
export function findPieces(text: string, secrets: readonly string[], header: RegExp | null): Piece[] {
  const pieces: Piece[] = [];
  for (const secret of secrets) {
    // Restarting one past each hit (not after it) catches overlapping occurrences, which must
    // merge into one masked stretch instead of leaving the overlap's tail visible.
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      pieces.push({ start: at, end: at + secret.length, anchor: at, kind: 'secret', open: false });
    }
  }
  if (header === null) return pieces.sort((a, b) => a.start - b.start);
  header.lastIndex = 0;
  for (let match = header.exec(text); match !== null; match = header.exec(text)) {
    // Both forms end with the value, so its offsets follow from the match's end.
    const json = match[1];
    const value = json ?? match[2] ?? '';
    const end = match.index + match[0].length;
    const start = end - value.length;
    if (end > start) {
      pieces.push({ start, end, anchor: match.index, kind: json !== undefined ? 'json' : 'header', open: end === text.length });
    }
  }
  return pieces.sort((a, b) => a.start - b.start);
}

export function mergePieces(pieces: readonly Piece[]): Range[] {
  const ranges: Range[] = [];
  for (const piece of pieces) {
    const last = ranges[ranges.length - 1];
    // Only overlapping stretches merge: two secrets side by side stay two masks, so the number
    // of masks tells how many secrets there were.
    if (last !== undefined && piece.start < last.end) last.end = Math.max(last.end, piece.end);
    else ranges.push({ start: piece.start, end: piece.end });
  }
  return ranges;
}

export class SecretMasker {
  readonly secrets: readonly string[];
  readonly mask: string;
  private readonly header = new RegExp(HEADER_SOURCE, 'gi');

  constructor(secrets: string[], mask = '********') {
    this.secrets = sortLongestFirst([...new Set(secrets.filter((secret) => secret.length > 0))]);
    this.mask = mask;
  }

  maskText(text: string): string {
    const ranges = mergePieces(findPieces(text, this.secrets, this.header));
    if (ranges.length === 0) return text;
    let out = '';
    let at = 0;
    for (const range of ranges) {
      out += text.slice(at, range.start) + this.mask;
      at = range.end;
    }
    return out + text.slice(at);
  }
}
