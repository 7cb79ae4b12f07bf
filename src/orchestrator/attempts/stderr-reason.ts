/**
 * Lines of a crash report that say nothing of what went wrong: stack frames (JavaScript,
 * Java, .NET), Node's version banner, and a caret or a lone bracket (Node prints the source
 * line with a caret under it; an error object's dump ends with "}").
 */
const NOISE = /^\s+at\s|^Node\.js v\d|^\s*[\^{}()[\]]+\s*$/;

/** How many lines of stderr a failure's reason quotes. */
const REASON_LINES = 2;

/** The last telling lines of a process's stderr, joined for a one-line reason ("" when none). */
export function stderrReason(text: string, ignore: (line: string) => boolean = () => false): string {
  return text
    .split('\n')
    .filter((line) => line.trim() && !NOISE.test(line) && !ignore(line))
    .slice(-REASON_LINES)
    .map((line) => line.trim())
    .join(' | ');
}
