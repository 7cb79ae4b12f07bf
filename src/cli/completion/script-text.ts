/** Text put into a completion script: quoted words and one-line descriptions. */

/** A POSIX shell single-quoted word (bash and zsh). */
export function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A fish single-quoted word: only \ and ' are special there. */
export function fishq(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
