import { StringDecoder } from 'node:string_decoder';

/** A JSONL line longer than this is not an event we need (huge command output); it is skipped. */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;

/** Turns PTY chunks into lines; PTYs end lines with CRLF, so a trailing CR is dropped. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private overflowing = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.overflowing) {
        this.overflowing = false;
        this.pending = '';
        continue;
      }
      const line = this.pending + piece;
      this.pending = '';
      this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    if (this.overflowing) return;
    this.pending += text.slice(start);
    if (this.pending.length > MAX_LINE_CHARS) {
      this.pending = '';
      this.overflowing = true;
    }
  }

  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest && !this.overflowing) this.onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  }
}
