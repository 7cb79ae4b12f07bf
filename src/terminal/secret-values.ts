/**
 * What counts as a secret: the values of environment variables whose names look secret,
 * less the values that are plainly not credentials (short words, flags, paths).
 */

const NAME_LOOKS_SECRET = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE)/i;
// GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL only match through "AUTH"; masking a person's name would
// blank it out of every commit message and `git log` in the logs. AUTHORIZATION and
// AUTHORISATION still count.
const AUTHOR_NOT_AUTHORIZATION = /AUTHOR(?!I[SZ]ATION)/gi;
// PASS is a credential where no other letter follows it (MYSQL_PASS, DBPASS) or as PASSWORD,
// PASSWD, PASSPHRASE (PGPASSWORD); followed by another word it is not: TOX_TESTENV_PASSENV
// lists variable names, and masking them hid those names from every log.
const PASS_NOT_A_CREDENTIAL = /PASS(?!(?:WORD|WD|PHRASE)?(?![A-Z]))/gi;

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
    if (!NAME_LOOKS_SECRET.test(name.replace(AUTHOR_NOT_AUTHORIZATION, '').replace(PASS_NOT_A_CREDENTIAL, ''))) continue;
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
export function sortLongestFirst(values: string[]): string[] {
  return values.sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}
