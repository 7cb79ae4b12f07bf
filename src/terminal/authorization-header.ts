/**
 * What an Authorization header looks like in output, as regular expression sources: the
 * header with its credential, and any beginning of one at the end of a text. The two must
 * agree, since a stream holds back exactly what the second matches for the first to complete.
 */

/** How both forms begin (matched without regard to case). */
export const HEADER_NAME = 'authorization';

// Credentials after an Authorization header name, in the forms they take in output:
//   Authorization: Bearer <token>   (curl -v, HTTP dumps; also Basic and GitHub's "token")
//   'Authorization': 'Bearer <token>' and \"Authorization\":\"Bearer <token>\" (code, escaped JSON)
//   "authorization": "<anything>"   (JSON: the whole string value, scheme or not)
// Group 1 is the JSON value; group 2 the header token, which ends at whitespace, a quote or a
// backslash (the start of an escaped closing quote). Character classes are spelled out rather
// than \s, because \s also matches byte 0xA0, which is part of UTF-8 text in the byte stream.
export const HEADER_SOURCE =
  `${HEADER_NAME}(?:` +
  '"[ \\t]*:[ \\t]*"((?:[^"\\\\\\n]|\\\\[^\\n])*\\\\?)' +
  '|\\\\?["\']?[ \\t]*[:=][ \\t]*\\\\?["\']?(?:bearer|basic|token)[ \\t]+([^ \\t\\r\\n\\f\\v"\'\\\\]+))';

// Matches, at the very end of the text, any beginning of a header that the pattern above
// could still complete or extend: a prefix of the name, the name and part of what follows, or
// a whole header whose token or JSON value runs to the end. Each construct is a chain of
// optional steps, "a(?:u(?:t…)?)?", so every prefix of it matches.
export const HEADER_TAIL_SOURCE = (() => {
  const chain = (steps: string[]): string =>
    steps.length === 0 ? '' : steps.length === 1 ? steps[0]! : `${steps[0]!}(?:${chain(steps.slice(1))})?`;
  const letters = (word: string): string[] => [...word];
  const token = '[ \\t]+[^ \\t\\r\\n\\f\\v"\'\\\\]*';
  const scheme = ['bearer', 'basic', 'token'].map((word) => chain([...letters(word), token])).join('|');
  const header = chain([
    ...letters(HEADER_NAME),
    '\\\\?',
    '["\']?',
    '[ \\t]*',
    '[:=]',
    '[ \\t]*',
    '\\\\?',
    '["\']?',
    `(?:${scheme})`,
  ]);
  const json = chain([...letters(HEADER_NAME), '"', '[ \\t]*', ':', '[ \\t]*', '"', '(?:[^"\\\\\\n]|\\\\[^\\n])*\\\\?']);
  return `(?:${header}|${json})$`;
})();
