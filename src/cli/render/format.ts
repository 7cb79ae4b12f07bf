/** `1.2s`, `3m04s`, `1h02m`: durations a person reads at a glance. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatTime(iso: string | null): string {
  if (!iso) return '-';
  return iso.slice(11, 19);
}

/**
 * Left-aligned columns; the last column is not padded. `paint` may wrap a cell in escape
 * sequences: widths are measured on the plain text, so colors never skew the columns.
 */
export function table(rows: string[][], paint?: (cell: string, row: number, column: number) => string): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows
    .map((row, r) =>
      row
        .map((cell, i) => {
          const pad = i === row.length - 1 ? '' : ' '.repeat((widths[i] ?? 0) - [...cell].length);
          return (paint ? paint(cell, r, i) : cell) + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Control characters from stored text (task reasons, titles) never reach the terminal raw. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCE = /^\x1b\[[0-9;?]*[ -/]*[@-~]/;

/** Terminal columns a code point takes: 0 for combining marks, 2 for East Asian wide and emoji, else 1. */
export function charWidth(codePoint: number): number {
  if ((codePoint >= 0x300 && codePoint <= 0x36f) || codePoint === 0x200d || (codePoint >= 0xfe00 && codePoint <= 0xfe0f)) return 0;
  if (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1faff) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** A line's pieces: SGR escape sequences (no width) and characters (with theirs). */
function* pieces(text: string): Generator<{ text: string; width: number }> {
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) === 0x1b) {
      const match = ESCAPE_SEQUENCE.exec(text.slice(i));
      if (match) {
        yield { text: match[0], width: 0 };
        i += match[0].length;
        continue;
      }
    }
    const codePoint = text.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(codePoint);
    yield { text: char, width: charWidth(codePoint) };
    i += char.length;
  }
}

/** Terminal columns of a line that may hold SGR color sequences. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const piece of pieces(text)) width += piece.width;
  return width;
}

/**
 * Cuts a line (which may hold SGR color sequences) to `width` terminal columns, ending it
 * with `…` when cut. A redraw that counts lines must never have one wrap behind its back.
 */
export function fitLine(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  let painted = false;
  for (const piece of pieces(text)) {
    if (piece.width === 0 && piece.text.startsWith('\x1b')) painted = true;
    else if (used + piece.width > width - 1) break;
    out += piece.text;
    used += piece.width;
  }
  return `${out}…${painted ? '\x1b[0m' : ''}`;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `512 B`, `4.0 KiB`, `37.2 MiB`, `512 MiB`: binary units, one decimal below 100. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 100 ? value.toFixed(1) : Math.round(value)} ${BYTE_UNITS[unit]}`;
}
