/**
 * What the Codex TUI (0.169.0, `--no-alt-screen`) is doing, read from its rendered screen.
 * All knowledge of the TUI's text lives here and is tested against screens captured from
 * the pinned version (src/agents/fixtures/).
 */
export type CodexScreenState =
  | { kind: 'waiting_approval'; command: string; reason: string | null }
  | { kind: 'working' }
  | { kind: 'waiting_input' }
  /** "Trust this folder?": mcp made the workspace itself, so it answers "Trust and continue". */
  | { kind: 'trust_prompt' }
  | { kind: 'unknown' };

const APPROVAL_QUESTION = 'Would you like to run the following command?';
const APPROVAL_FOOTER = 'Press enter to confirm or esc to cancel';
/** The status line of a running turn: "◦ Working (3s • esc to interrupt)". */
const WORKING = 'esc to interrupt';
/** The composer's placeholder, shown whenever Codex waits for the next message. */
const COMPOSER_PLACEHOLDER = 'Ask Codex to do anything';

/** Keys the approval prompt takes: "Yes, proceed (y)" and "No, and tell Codex … (esc)". */
export const APPROVE_KEY = 'y';
export const DENY_KEY = '\u001b';

const TRUST_QUESTION = 'Trust this folder?';
const TRUST_CHOICE = 'Trust and continue';
/** Enter takes the highlighted first choice, "Trust and continue". */
export const TRUST_KEY = '\r';

export function readCodexScreen(lines: readonly string[]): CodexScreenState {
  if (lines.some((l) => l.includes(TRUST_QUESTION)) && lines.some((l) => l.includes(TRUST_CHOICE))) return { kind: 'trust_prompt' };
  const question = lines.findIndex((l) => l.includes(APPROVAL_QUESTION));
  if (question !== -1 && lines.some((l, i) => i > question && l.includes(APPROVAL_FOOTER))) {
    let command = '';
    let reason: string | null = null;
    for (const line of lines.slice(question + 1)) {
      const text = line.trim();
      if (text.startsWith('Reason:')) reason = text.slice('Reason:'.length).trim();
      if (text.startsWith('$ ') && !command) command = text.slice(2);
    }
    return { kind: 'waiting_approval', command, reason };
  }
  if (lines.some((l) => l.includes(WORKING))) return { kind: 'working' };
  if (lines.some((l) => l.includes(COMPOSER_PLACEHOLDER))) return { kind: 'waiting_input' };
  return { kind: 'unknown' };
}
