/**
 * git's options before its subcommand that take the next word as their value (`git help git`;
 * `--attr-source` since git 2.42). Any other word starting with `-` there is taken for a
 * flag: git refuses one it does not know, so skipping it can only make mcp ask more.
 */
const GIT_VALUE_OPTIONS: ReadonlySet<string> = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--config-env', '--super-prefix', '--attr-source']);

/** A shell word, or null where the shell would end a command (`;`, `&`, `|`, `(`, `)`, a newline, a substitution). */
type ShellWord = string | null;

/**
 * Each git invocation in a command, as git reads it: `git`, the subcommand and what follows,
 * without git's global options (`git -C dir -c a=b push origin` is `git push origin`). `git`
 * counts as any word of the command, not only its program, so that `env git push`,
 * `xargs git push` or `timeout 60 git push` are found too (and so is `echo git push`:
 * asking once too often is the price of not missing a wrapper). An argument holding spaces is
 * read as a shell script as well, as `sh -c "git -C . push"` runs it.
 */
export function gitInvocations(argv: readonly string[]): string[][] {
  const found: string[][] = [];
  const scan = (words: readonly ShellWord[]): void => {
    words.forEach((word, at) => {
      if (word === null) return;
      // Shorter each time: splitting drops the whitespace, or the quotes or backslash that kept it.
      if (/\s/.test(word)) scan(shellWords(word));
      if (word !== 'git' && !word.endsWith('/git')) return;
      let next = at + 1;
      for (let option = words[next]; option?.startsWith('-'); option = words[next]) next += GIT_VALUE_OPTIONS.has(option) ? 2 : 1;
      const rest: string[] = [];
      for (let arg = words[next]; typeof arg === 'string'; arg = words[++next]) rest.push(arg);
      if (rest.length > 0) found.push(['git', ...rest]);
    });
  };
  scan(argv);
  return found;
}

/** A script split as a POSIX shell would into words (quotes and backslashes removed), with its command boundaries. */
function shellWords(script: string): ShellWord[] {
  const words: ShellWord[] = [];
  let word: string | null = null;
  const end = (): void => {
    if (word !== null) words.push(word);
    word = null;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script.charAt(i);
    if (c === "'") {
      const close = script.indexOf("'", i + 1);
      const stop = close < 0 ? script.length : close;
      word = (word ?? '') + script.slice(i + 1, stop);
      i = stop;
    } else if (c === '"') {
      word ??= '';
      for (i++; i < script.length && script.charAt(i) !== '"'; i++) {
        if (script.charAt(i) === '\\' && '"\\$`'.includes(script.charAt(i + 1))) i++;
        word += script.charAt(i);
      }
    } else if (c === '\\') {
      word = (word ?? '') + script.charAt(++i);
    } else if (';&|()`\n'.includes(c) || (c === '$' && script.charAt(i + 1) === '(')) {
      end();
      words.push(null);
    } else if (/\s/.test(c)) {
      end();
    } else {
      word = (word ?? '') + c;
    }
  }
  end();
  return words;
}
