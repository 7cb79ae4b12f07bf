/**
 * Keeps secrets out of logs: values of secret-looking environment
 * variables and Authorization header values are replaced by a mask before anything is
 * written. `SecretMasker` works on whole strings; `MaskingStream` on raw PTY bytes that arrive
 * in arbitrary chunks, so a secret cut in two by a chunk boundary is still caught.
 */

const NAME_LOOKS_SECRET = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE)/i;
// GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL only match through "AUTH"; masking a person's name would
// blank it out of every commit message and `git log` in the logs. AUTHORIZATION and
// AUTHORISATION still count.
const AUTHOR_NOT_AUTHORIZATION = /AUTHOR(?!I[SZ]ATION)/gi;

// Shorter values are too likely to occur in ordinary output ("admin", "12345") for masking
// every occurrence to be worth the damage, and too short to be a generated key or token.
const MIN_SECRET_LENGTH = 8;

// Settings-like values that a secret-sounding name can still carry (FOO_AUTH_ENABLED=true).
// Most are already below MIN_SECRET_LENGTH; the list keeps them out should that bound drop.
const NON_SECRET_VALUES = new Set(['true', 'false', 'yes', 'no', 'on', 'off', '0', '1', 'null', 'none', 'undefined']);

// Absolute paths made of plain path characters (SSH_AUTH_SOCK=/tmp/ssh-XXXX/agent.1,
// XAUTHORITY=/home/u/.Xauthority) are locations, not credentials, and they show up in
// ordinary output (error messages, `ls`) where masking them would only hide information.
const PLAIN_ABSOLUTE_PATH = /^\/[A-Za-z0-9_./-]*$/;

export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (!NAME_LOOKS_SECRET.test(name.replace(AUTHOR_NOT_AUTHORIZATION, ''))) continue;
    for (const candidate of candidatesOf(value)) {
      if (looksLikeSecretValue(candidate)) found.add(candidate);
    }
  }
  return sortLongestFirst([...found]);
}

// A PTY turns LF into CRLF (and programs reflow lines), so a multi-line value such as a PEM
// key never appears verbatim in the output; its lines do, and each long line is masked too.
function candidatesOf(value: string): string[] {
  if (!value.includes('\n')) return [value];
  const lines = value.split('\n').map((line) => line.replace(/\r$/, ''));
  return [value, ...lines];
}

function looksLikeSecretValue(value: string): boolean {
  if (value.trim().length < MIN_SECRET_LENGTH) return false;
  if (NON_SECRET_VALUES.has(value.trim().toLowerCase())) return false;
  return !PLAIN_ABSOLUTE_PATH.test(value);
}

// Longest first so that, of two secrets where one is a prefix of the other, the longer one is
// matched whole; ties broken by value so the order never depends on the environment's order.
function sortLongestFirst(values: string[]): string[] {
  return values.sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

// Credentials after an Authorization header name, in the forms they take in output:
//   Authorization: Bearer <token>   (curl -v, HTTP dumps; also Basic and GitHub's "token")
//   'Authorization': 'Bearer <token>' and \"Authorization\":\"Bearer <token>\" (code, escaped JSON)
//   "authorization": "<anything>"   (JSON: the whole string value, scheme or not)
// Group 1 is the JSON value; group 2 the header token, which ends at whitespace, a quote or a
// backslash (the start of an escaped closing quote). Character classes are spelled out rather
// than \s, because \s also matches byte 0xA0, which is part of UTF-8 text in the byte stream.
const HEADER_SOURCE =
  'authorization(?:"[ \\t]*:[ \\t]*"((?:[^"\\\\\\n]|\\\\[^\\n])*\\\\?)' +
  '|\\\\?["\']?[ \\t]*[:=][ \\t]*\\\\?["\']?(?:bearer|basic|token)[ \\t]+([^ \\t\\r\\n\\f\\v"\'\\\\]+))';

// Matches, at the very end of the text, any beginning of a header that the pattern above
// could still complete or extend: a prefix of the name, the name and part of what follows, or
// a whole header whose token or JSON value runs to the end. Each construct is a chain of
// optional steps, "a(?:u(?:t…)?)?", so every prefix of it matches.
const HEADER_TAIL_SOURCE = (() => {
  const chain = (steps: string[]): string =>
    steps.length === 0 ? '' : steps.length === 1 ? steps[0]! : `${steps[0]!}(?:${chain(steps.slice(1))})?`;
  const letters = (word: string): string[] => [...word];
  const token = '[ \\t]+[^ \\t\\r\\n\\f\\v"\'\\\\]*';
  const scheme = ['bearer', 'basic', 'token'].map((word) => chain([...letters(word), token])).join('|');
  const header = chain([
    ...letters('authorization'),
    '\\\\?',
    '["\']?',
    '[ \\t]*',
    '[:=]',
    '[ \\t]*',
    '\\\\?',
    '["\']?',
    `(?:${scheme})`,
  ]);
  const json = chain([...letters('authorization'), '"', '[ \\t]*', ':', '[ \\t]*', '"', '(?:[^"\\\\\\n]|\\\\[^\\n])*\\\\?']);
  return `(?:${header}|${json})$`;
})();

// A header's token can only be held back for so long: the stream keeps at most this many bytes
// waiting for the end of a header it has started to see. Real tokens (JWTs included) stay
// well under 4 KiB, the usual limit servers put on a single header line.
const HEADER_HOLD_LIMIT = 4096;

// How far back the stream keeps already-written bytes of a header whose token is still going
// on, to recognise its continuation. Beyond it the header is replaced by a short stand-in that
// parses the same way, so an endless token cannot make the stream rescan ever more bytes.
const HEADER_CONTEXT_LIMIT = 4096;

type PieceKind = 'secret' | 'header' | 'json';

/** One stretch to mask, before overlapping stretches are merged. */
interface Piece {
  start: number;
  end: number;
  /** Where the construct begins: the header name for headers, the secret itself otherwise. */
  anchor: number;
  kind: PieceKind;
  /** A header value that reaches the end of the text, so more of it may follow. */
  open: boolean;
}

interface Range {
  start: number;
  end: number;
}

function findPieces(text: string, secrets: readonly string[], header: RegExp): Piece[] {
  const pieces: Piece[] = [];
  for (const secret of secrets) {
    // Restarting one past each hit (not after it) catches overlapping occurrences, which must
    // merge into one masked stretch instead of leaving the overlap's tail visible.
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      pieces.push({ start: at, end: at + secret.length, anchor: at, kind: 'secret', open: false });
    }
  }
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

function mergePieces(pieces: readonly Piece[]): Range[] {
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

const EMPTY = Buffer.alloc(0);

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
  private readonly maskBytes: Buffer;
  private readonly header = new RegExp(HEADER_SOURCE, 'gi');
  private readonly headerTail = new RegExp(HEADER_TAIL_SOURCE, 'gi');
  private carry: Buffer = EMPTY;
  private emitted = 0;

  constructor(masker: SecretMasker) {
    this.secrets = masker.secrets.map((secret) => Buffer.from(secret, 'utf8').toString('latin1'));
    this.maskBytes = Buffer.from(masker.mask, 'utf8');
  }

  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    return this.process(data, false);
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
    const pieces = findPieces(text, this.secrets, this.header);
    const cut = final ? text.length : this.safeEnd(text, emitted);
    const out = this.assemble(data, mergePieces(pieces), emitted, cut);
    if (final) return out;
    this.keepCarry(data, text, pieces, cut);
    return out;
  }

  /** Where the bytes that could still turn out to be part of a secret or header begin. */
  private safeEnd(text: string, emitted: number): number {
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
    this.headerTail.lastIndex = Math.max(emitted, text.length - HEADER_HOLD_LIMIT);
    const tail = this.headerTail.exec(text);
    if (tail !== null) cut = Math.min(cut, tail.index);
    return cut;
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

let shared: SecretMasker | undefined;

/**
 * The masker for everything this process writes: tasks inherit the supervisor's
 * environment, so its secret-looking variables are the ones a task could print.
 */
export function processMasker(): SecretMasker {
  shared ??= new SecretMasker(secretsFromEnv(process.env));
  return shared;
}
