import { posix } from 'node:path';
import { UsageError } from '../domain/errors.js';
import { detectPlatform, type PlatformEnv } from './platform.js';

/**
 * Users on WSL paste paths straight from Explorer or a Windows terminal; this turns
 * whatever they typed into the absolute Linux path the rest of mcp works with, or says
 * in one line why it cannot.
 */
export class UserPathError extends UsageError {
  declare readonly hint: string;
  constructor(message: string, hint: string) {
    super(message, hint);
  }
}

// Host names Windows uses to reach a WSL distro's filesystem over the \\host\distro share.
const WSL_HOSTS = new Set(['wsl$', 'wsl.localhost']);
const DRIVE = /^([A-Za-z]):(.*)$/;
// Both separators are accepted because Windows tools print either.
const SEPARATORS = /[\\/]+/;
// WSL mounts drives here unless /etc/wsl.conf moves them; the default is what people have.
const MOUNT_ROOT = '/mnt';
const WINDOWS_MOUNT = /^\/mnt\/([A-Za-z])(?:\/|$)/;

export function resolveUserPath(raw: string, platform: PlatformEnv): string {
  rejectUnusable(raw);
  // Only "//wsl$/..." is read as UNC among forward-slash forms: "//x/y" is a valid Linux path.
  if (/^\\\\|^\/\/wsl(?:\$|\.localhost)(?:[\\/]|$)/i.test(raw)) return fromUnc(raw, platform);
  const drive = DRIVE.exec(raw);
  if (drive) return fromDrive(raw, drive[1] ?? '', drive[2] ?? '', platform);
  return fromLinux(raw, platform);
}

/** True for `/mnt/c` and anything below it: files that live on a Windows drive. */
export function isOnWindowsMount(linuxPath: string): boolean {
  return WINDOWS_MOUNT.test(posix.normalize(linuxPath));
}

/** A one-line nudge for WSL users whose project sits on the slow 9P-backed Windows mount. */
export function windowsMountWarning(linuxPath: string, platform: { wsl: boolean }): string | null {
  if (!platform.wsl) return null;
  const match = WINDOWS_MOUNT.exec(posix.normalize(linuxPath));
  if (!match) return null;
  return (
    `warning: ${linuxPath} is on the Windows filesystem (${MOUNT_ROOT}/${match[1]}); ` +
    'git and Codex run much slower there — move the project under your Linux home for speed'
  );
}

function rejectUnusable(raw: string): void {
  if (raw.trim() === '') {
    throw new UserPathError('path is empty', 'give the project directory, e.g. ~/code/my-project');
  }
  const control = /[\u0000-\u001f]/.exec(raw);
  if (!control) return;
  const where = `at position ${control.index + 1} of "${printable(raw)}"`;
  const what = control[0] === '\u0000' ? 'a NUL byte' : `a control character (${codePoint(control[0])})`;
  throw new UserPathError(
    `path contains ${what} ${where}`,
    'check for a stray newline or tab pasted along with the path',
  );
}

function fromUnc(raw: string, platform: PlatformEnv): string {
  const [host = '', distro, ...rest] = raw.split(SEPARATORS).filter((part) => part !== '');
  if (!WSL_HOSTS.has(host.toLowerCase())) {
    throw new UserPathError(
      `network share paths are not supported: "${raw}"`,
      'mount the share (e.g. under /mnt) and give that Linux path instead',
    );
  }
  if (distro === undefined) {
    throw new UserPathError(
      `"${raw}" names no WSL distro`,
      `add the distro name, e.g. \\\\${host}\\Ubuntu\\home\\me\\project`,
    );
  }
  rejectOtherDistro(distro, platform);
  return clean(`/${rest.join('/')}`);
}

function rejectOtherDistro(distro: string, platform: PlatformEnv): void {
  const current = detectPlatform(platform);
  // Windows treats distro names in these paths case-insensitively, so do we.
  if (!current.wsl || current.distro === null) return;
  if (current.distro.toLowerCase() === distro.toLowerCase()) return;
  throw new UserPathError(
    `path is in WSL distro "${distro}" but mcp is running in "${current.distro}"`,
    `run mcp inside ${distro}, or give a path inside ${current.distro}`,
  );
}

function fromDrive(raw: string, letter: string, rest: string, platform: PlatformEnv): string {
  if (!detectPlatform(platform).wsl) {
    throw new UserPathError(
      `Windows paths like "${raw}" are only understood under WSL`,
      'give the Linux path to the directory',
    );
  }
  // "C:foo" means "foo in drive C's current directory", which only the Windows shell knows.
  if (rest !== '' && !/^[\\/]/.test(rest)) {
    throw new UserPathError(
      `"${raw}" is relative to drive ${letter.toUpperCase()}:'s current directory`,
      `give the full path, e.g. ${letter.toUpperCase()}:\\${rest}`,
    );
  }
  // Normalising before prefixing keeps ".." from climbing out of the drive, as on Windows.
  const inDrive = clean(`/${rest.replace(/\\/g, '/')}`);
  return clean(`${MOUNT_ROOT}/${letter.toLowerCase()}${inDrive}`);
}

function fromLinux(raw: string, platform: PlatformEnv): string {
  if (raw === '~' || raw.startsWith('~/')) return posix.resolve('/', home(platform), `.${raw.slice(1)}`);
  // The leading "/" keeps the result absolute (and deterministic) even if cwd is not.
  return posix.resolve('/', platform.cwd, raw);
}

function home(platform: PlatformEnv): string {
  const dir = platform.env.HOME;
  if (dir) return dir;
  throw new UserPathError('cannot expand "~": HOME is not set', 'set HOME or give an absolute path');
}

/** posix.normalize keeps a trailing slash; callers compare paths as strings, so drop it. */
function clean(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

function printable(raw: string): string {
  return raw.replace(/[\u0000-\u001f]/g, (char) => `\\x${hex(char)}`);
}

function codePoint(char: string): string {
  return `U+00${hex(char)}`;
}

function hex(char: string): string {
  return char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
}
