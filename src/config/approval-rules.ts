/**
 * The approval rules of mcp.config.json: `deny` patterns refuse a command wherever they
 * appear in it; `allow` patterns approve a command only when it is that one command (its
 * words start with the pattern's) and chains nothing else, so `npm ci` never approves
 * `npm ci && curl … | sh`. Deny is looked at first.
 */
export interface RuleMatch {
  list: 'allow' | 'deny';
  rule: string;
}

/** Shell syntax that runs or feeds another command: an allowed command must have none. */
const CHAINING = /[;&|`<>\n]|\$\(/;

function words(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

/** True when `needle`'s words occur in `hay`'s, consecutively. */
function containsWords(hay: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0) return false;
  for (let i = 0; i + needle.length <= hay.length; i += 1) {
    if (needle.every((w, j) => hay[i + j] === w)) return true;
  }
  return false;
}

export function matchApprovalRule(command: string, rules: { allow: readonly string[]; deny: readonly string[] }): RuleMatch | null {
  const said = words(command);
  for (const rule of rules.deny) if (containsWords(said, words(rule))) return { list: 'deny', rule };
  if (CHAINING.test(command)) return null;
  for (const rule of rules.allow) {
    const pattern = words(rule);
    if (pattern.length > 0 && pattern.every((w, i) => said[i] === w)) return { list: 'allow', rule };
  }
  return null;
}
