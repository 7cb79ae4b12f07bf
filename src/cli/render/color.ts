/**
 * State colors for tables and the live view, as bare SGR sequences: a handful of colors
 * does not justify a dependency.
 */

/** What decides whether a stream gets colors: its TTY-ness and the environment. */
export interface ColorTarget {
  isTTY?: boolean;
}

/**
 * NO_COLOR (https://no-color.org: any non-empty value) wins, since it is the user saying no;
 * then FORCE_COLOR ("0" or "false" turns colors off, any other value on, even into a pipe);
 * otherwise colors only on a TTY whose TERM is not "dumb".
 */
export function colorEnabled(stream: ColorTarget, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const SGR = { red: 31, green: 32, yellow: 33, magenta: 35, cyan: 36 } as const;
/** Resets the foreground only, so colors nest in text that has other attributes. */
const FOREGROUND_RESET = '\x1b[39m';

/** Task and run states share names where they mean the same thing (succeeded, failed, killed, running). */
const STATE_COLORS: Readonly<Record<string, keyof typeof SGR>> = {
  succeeded: 'green',
  failed: 'red',
  timed_out: 'red',
  running: 'cyan',
  blocked: 'yellow',
  killed: 'yellow',
  waiting_approval: 'magenta',
  waiting_input: 'magenta',
};

/** Paints `text` (by default the state's own name) in the color of `state`, or leaves it as is. */
export type StatePainter = (state: string, text?: string) => string;

export function statePainter(enabled: boolean): StatePainter {
  return (state, text = state) => {
    const color = STATE_COLORS[state];
    if (!enabled || !color || text === '') return text;
    return `\x1b[${SGR[color]}m${text}${FOREGROUND_RESET}`;
  };
}
