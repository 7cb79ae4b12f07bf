import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentPlatformEnv, detectPlatform, type PlatformEnv } from './platform.js';
import { isOnWindowsMount, resolveUserPath, UserPathError, windowsMountWarning } from './user-path.js';

const WSL2_PROC =
  'Linux version 5.15.153.1-microsoft-standard-WSL2 (root@941d701f84f1) (gcc (GCC) 11.2.0, GNU ld (GNU Binutils) 2.37) #1 SMP Fri Mar 29 23:14:13 UTC 2024';
const WSL1_PROC =
  'Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) ) #1237-Microsoft Sat Sep 11 14:32:00 PST 2021';
const LINUX_PROC =
  'Linux version 6.8.0-45-generic (buildd@lcy02-amd64-075) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0) #45-Ubuntu SMP PREEMPT_DYNAMIC';

const wsl: PlatformEnv = {
  procVersion: WSL2_PROC,
  env: { WSL_DISTRO_NAME: 'Ubuntu', HOME: '/home/me' },
  cwd: '/home/me/work',
};
// WSL kernel but no WSL_DISTRO_NAME (e.g. a stripped environment): distro unknown.
const wslNoDistro: PlatformEnv = { procVersion: WSL2_PROC, env: { HOME: '/home/me' }, cwd: '/home/me/work' };
const linux: PlatformEnv = { procVersion: LINUX_PROC, env: { HOME: '/home/me' }, cwd: '/home/me/work' };

function expectPathError(raw: string, platform: PlatformEnv, message: RegExp, hint: RegExp): void {
  let caught: unknown;
  try {
    resolveUserPath(raw, platform);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof UserPathError, `expected UserPathError for ${JSON.stringify(raw)}`);
  assert.match(caught.message, message);
  assert.match(caught.hint, hint);
  assert.equal(caught.name, 'UserPathError');
  assert.ok(!caught.message.includes('\n'), 'message must be one line');
}

// detectPlatform

test('detectPlatform: WSL2 /proc/version is WSL with unknown distro', () => {
  assert.deepEqual(detectPlatform({ procVersion: WSL2_PROC, env: {} }), { wsl: true, distro: null });
});

test('detectPlatform: WSL1 /proc/version (capital Microsoft) is WSL', () => {
  assert.deepEqual(detectPlatform({ procVersion: WSL1_PROC, env: {} }), { wsl: true, distro: null });
});

test('detectPlatform: a kernel string mentioning only "WSL" is WSL', () => {
  assert.deepEqual(detectPlatform({ procVersion: 'Linux version 6.6.36.3-custom-wsl', env: {} }), {
    wsl: true,
    distro: null,
  });
});

test('detectPlatform: WSL_DISTRO_NAME gives WSL and the distro', () => {
  assert.deepEqual(detectPlatform({ procVersion: null, env: { WSL_DISTRO_NAME: 'Debian' } }), {
    wsl: true,
    distro: 'Debian',
  });
});

test('detectPlatform: WSL_DISTRO_NAME wins even with a plain kernel string', () => {
  assert.deepEqual(detectPlatform({ procVersion: LINUX_PROC, env: { WSL_DISTRO_NAME: 'Ubuntu-22.04' } }), {
    wsl: true,
    distro: 'Ubuntu-22.04',
  });
});

test('detectPlatform: empty WSL_DISTRO_NAME is ignored', () => {
  assert.deepEqual(detectPlatform({ procVersion: LINUX_PROC, env: { WSL_DISTRO_NAME: '' } }), {
    wsl: false,
    distro: null,
  });
});

test('detectPlatform: plain Linux is not WSL', () => {
  assert.deepEqual(detectPlatform({ procVersion: LINUX_PROC, env: {} }), { wsl: false, distro: null });
});

test('detectPlatform: unreadable /proc/version (null) is not WSL', () => {
  assert.deepEqual(detectPlatform({ procVersion: null, env: {} }), { wsl: false, distro: null });
});

test('detectPlatform: with nothing injected it reads the real machine without throwing', () => {
  const info = detectPlatform();
  assert.equal(typeof info.wsl, 'boolean');
});

test('currentPlatformEnv: reports the real cwd and env', () => {
  const current = currentPlatformEnv();
  assert.equal(current.cwd, process.cwd());
  assert.equal(current.env, process.env);
  assert.ok(current.procVersion === null || typeof current.procVersion === 'string');
});

// Drive-letter paths under WSL

test('drive path with backslashes and a space', () => {
  assert.equal(resolveUserPath('C:\\Users\\me\\my proj', wsl), '/mnt/c/Users/me/my proj');
});

test('drive path with forward slashes', () => {
  assert.equal(resolveUserPath('C:/Users/me/proj', wsl), '/mnt/c/Users/me/proj');
});

test('lowercase drive letter', () => {
  assert.equal(resolveUserPath('c:\\x', wsl), '/mnt/c/x');
});

test('other drive letters are lowercased', () => {
  assert.equal(resolveUserPath('D:\\Data\\Repo', wsl), '/mnt/d/Data/Repo');
});

test('bare drive "C:" is the drive root', () => {
  assert.equal(resolveUserPath('C:', wsl), '/mnt/c');
});

test('drive root "C:\\" is the drive root', () => {
  assert.equal(resolveUserPath('C:\\', wsl), '/mnt/c');
});

test('drive root "C:/" is the drive root', () => {
  assert.equal(resolveUserPath('C:/', wsl), '/mnt/c');
});

test('drive path keeps accents and inner spaces exactly', () => {
  assert.equal(resolveUserPath('C:\\Users\\Élodie\\projé t', wsl), '/mnt/c/Users/Élodie/projé t');
});

test('drive path with mixed separators', () => {
  assert.equal(resolveUserPath('C:\\Users/me\\proj', wsl), '/mnt/c/Users/me/proj');
});

test('drive path trailing separator is dropped', () => {
  assert.equal(resolveUserPath('C:\\Users\\me\\proj\\', wsl), '/mnt/c/Users/me/proj');
});

test('drive path redundant separators, "." and ".." are normalised', () => {
  assert.equal(resolveUserPath('C:\\Users\\\\me\\.\\old\\..\\proj', wsl), '/mnt/c/Users/me/proj');
});

test('".." cannot climb above the drive root', () => {
  assert.equal(resolveUserPath('C:\\..\\..\\Windows', wsl), '/mnt/c/Windows');
});

test('drive path is accepted on WSL even when the distro is unknown', () => {
  assert.equal(resolveUserPath('C:\\x', wslNoDistro), '/mnt/c/x');
});

test('drive-relative "C:foo" is refused', () => {
  expectPathError('C:foo', wsl, /^"C:foo" is relative to drive C:'s current directory$/, /^give the full path, e.g\. C:\\foo$/);
});

// Drive-letter paths outside WSL

test('drive path on plain Linux is refused', () => {
  expectPathError(
    'C:\\Users\\me\\proj',
    linux,
    /^Windows paths like "C:\\Users\\me\\proj" are only understood under WSL$/,
    /^give the Linux path to the directory$/,
  );
});

test('forward-slash drive path on plain Linux is refused', () => {
  expectPathError('c:/x', linux, /only understood under WSL/, /Linux path/);
});

// \\wsl$ and \\wsl.localhost

test('\\\\wsl$ path maps into this distro', () => {
  assert.equal(resolveUserPath('\\\\wsl$\\Ubuntu\\home\\me\\proj', wsl), '/home/me/proj');
});

test('\\\\wsl.localhost path maps into this distro', () => {
  assert.equal(resolveUserPath('\\\\wsl.localhost\\Ubuntu\\home\\me\\proj', wsl), '/home/me/proj');
});

test('//wsl$ forward-slash form', () => {
  assert.equal(resolveUserPath('//wsl$/Ubuntu/home/me/proj', wsl), '/home/me/proj');
});

test('//wsl.localhost forward-slash form', () => {
  assert.equal(resolveUserPath('//wsl.localhost/Ubuntu/home/me/proj', wsl), '/home/me/proj');
});

test('wsl host name is case-insensitive', () => {
  assert.equal(resolveUserPath('\\\\WSL$\\Ubuntu\\home\\me', wsl), '/home/me');
  assert.equal(resolveUserPath('\\\\WSL.LocalHost\\Ubuntu\\home\\me', wsl), '/home/me');
});

test('distro name in the path matches case-insensitively', () => {
  assert.equal(resolveUserPath('\\\\wsl$\\ubuntu\\home\\me', wsl), '/home/me');
});

test('\\\\wsl$\\Ubuntu alone is the root', () => {
  assert.equal(resolveUserPath('\\\\wsl$\\Ubuntu', wsl), '/');
});

test('\\\\wsl$\\Ubuntu\\ with trailing separator is the root', () => {
  assert.equal(resolveUserPath('\\\\wsl$\\Ubuntu\\', wsl), '/');
});

test('wsl$ path keeps spaces and accents', () => {
  assert.equal(resolveUserPath('\\\\wsl$\\Ubuntu\\home\\Élodie\\projé t', wsl), '/home/Élodie/projé t');
});

test('wsl$ path is normalised', () => {
  assert.equal(resolveUserPath('\\\\wsl$\\Ubuntu\\home\\\\me\\.\\x\\..\\proj\\', wsl), '/home/me/proj');
});

test('wsl$ path naming another distro is refused, naming both', () => {
  expectPathError(
    '\\\\wsl$\\Debian\\home\\me\\proj',
    wsl,
    /^path is in WSL distro "Debian" but mcp is running in "Ubuntu"$/,
    /^run mcp inside Debian, or give a path inside Ubuntu$/,
  );
});

test('wsl.localhost path naming another distro is refused', () => {
  expectPathError('//wsl.localhost/Debian/home', wsl, /"Debian".*"Ubuntu"/, /Debian.*Ubuntu/);
});

test('wsl$ path with another distro is accepted when the current distro is unknown', () => {
  assert.equal(resolveUserPath('\\\\wsl$\\Debian\\home\\me', wslNoDistro), '/home/me');
});

test('wsl$ path on plain Linux is translated without a distro check', () => {
  assert.equal(resolveUserPath('\\\\wsl$\\Debian\\home\\me', linux), '/home/me');
});

test('\\\\wsl$ with no distro is refused', () => {
  expectPathError('\\\\wsl$', wsl, /^"\\\\wsl\$" names no WSL distro$/, /add the distro name/);
});

// Other UNC paths

test('network share UNC path is refused', () => {
  expectPathError(
    '\\\\server\\share\\x',
    wsl,
    /^network share paths are not supported: "\\\\server\\share\\x"$/,
    /^mount the share \(e\.g\. under \/mnt\) and give that Linux path instead$/,
  );
});

test('network share UNC path is refused on plain Linux too', () => {
  expectPathError('\\\\fileserver\\projects', linux, /network share/, /mount the share/);
});

test('"//server/share" is an ordinary Linux path, not UNC', () => {
  assert.equal(resolveUserPath('//server/share', linux), '/server/share');
});

// Linux paths

test('/mnt path is unchanged', () => {
  assert.equal(resolveUserPath('/mnt/c/Users/me/proj', wsl), '/mnt/c/Users/me/proj');
});

test('/mnt path is normalised', () => {
  assert.equal(resolveUserPath('/mnt/c//Users/./me/../me/proj/', wsl), '/mnt/c/Users/me/proj');
});

test('absolute Linux path keeps spaces and accents', () => {
  assert.equal(resolveUserPath('/home/Élodie/projé t', linux), '/home/Élodie/projé t');
});

test('root stays root', () => {
  assert.equal(resolveUserPath('/', linux), '/');
});

test('backslash in a Linux path is a file-name character, not a separator', () => {
  assert.equal(resolveUserPath('/tmp/a\\b', linux), '/tmp/a\\b');
});

test('relative path resolves against cwd', () => {
  assert.equal(resolveUserPath('proj', linux), '/home/me/work/proj');
});

test('"." is cwd', () => {
  assert.equal(resolveUserPath('.', linux), '/home/me/work');
});

test('"../x" climbs out of cwd', () => {
  assert.equal(resolveUserPath('../other/proj/', linux), '/home/me/other/proj');
});

test('relative path with spaces and accents', () => {
  assert.equal(resolveUserPath('Élodie/projé t', linux), '/home/me/work/Élodie/projé t');
});

test('leading and trailing spaces are part of the name', () => {
  assert.equal(resolveUserPath(' proj ', linux), '/home/me/work/ proj ');
});

test('"~" is HOME', () => {
  assert.equal(resolveUserPath('~', linux), '/home/me');
});

test('"~/x" expands under HOME', () => {
  assert.equal(resolveUserPath('~/code/my proj/', linux), '/home/me/code/my proj');
});

test('"~" works on WSL too', () => {
  assert.equal(resolveUserPath('~/proj', wsl), '/home/me/proj');
});

test('"~name" is not expanded', () => {
  assert.equal(resolveUserPath('~other/x', linux), '/home/me/work/~other/x');
});

test('"~" without HOME is refused', () => {
  expectPathError('~/x', { ...linux, env: {} }, /^cannot expand "~": HOME is not set$/, /set HOME/);
});

test('relative cwd still gives an absolute path', () => {
  assert.equal(resolveUserPath('proj', { ...linux, cwd: 'work' }), '/work/proj');
});

// Unusable input

test('empty string is refused', () => {
  expectPathError('', linux, /^path is empty$/, /project directory/);
});

test('whitespace-only string is refused', () => {
  expectPathError('   ', wsl, /^path is empty$/, /project directory/);
});

test('NUL byte is refused', () => {
  expectPathError('/home/me\u0000/proj', linux, /^path contains a NUL byte at position 9 of "\/home\/me\\x00\/proj"$/, /stray/);
});

test('newline is refused and shown escaped', () => {
  expectPathError(
    '/home/me/proj\n',
    linux,
    /^path contains a control character \(U\+000A\) at position 14 of "\/home\/me\/proj\\x0A"$/,
    /^check for a stray newline or tab pasted along with the path$/,
  );
});

test('tab is refused', () => {
  expectPathError('C:\\Users\\me\tproj', wsl, /control character \(U\+0009\)/, /tab/);
});

test('U+001F is refused', () => {
  expectPathError('a\u001fb', linux, /control character \(U\+001F\)/, /stray/);
});

test('U+0020 (space) is not a control character', () => {
  assert.equal(resolveUserPath('a b', linux), '/home/me/work/a b');
});

// Windows mount detection and warning

test('isOnWindowsMount: drive root', () => {
  assert.equal(isOnWindowsMount('/mnt/c'), true);
});

test('isOnWindowsMount: below a drive', () => {
  assert.equal(isOnWindowsMount('/mnt/d/Users/me/proj'), true);
});

test('isOnWindowsMount: /mnt itself is not a drive', () => {
  assert.equal(isOnWindowsMount('/mnt'), false);
});

test('isOnWindowsMount: multi-letter mount is not a drive', () => {
  assert.equal(isOnWindowsMount('/mnt/data/proj'), false);
});

test('isOnWindowsMount: Linux home is not a drive', () => {
  assert.equal(isOnWindowsMount('/home/me/proj'), false);
});

test('isOnWindowsMount: a path merely containing /mnt/c is not a drive', () => {
  assert.equal(isOnWindowsMount('/home/me/mnt/c/proj'), false);
});

test('windowsMountWarning: exact one-line warning on WSL', () => {
  assert.equal(
    windowsMountWarning('/mnt/c/Users/me/proj', { wsl: true }),
    'warning: /mnt/c/Users/me/proj is on the Windows filesystem (/mnt/c); git and Codex run much slower there — move the project under your Linux home for speed',
  );
});

test('windowsMountWarning: names the right drive', () => {
  assert.match(windowsMountWarning('/mnt/e/x', { wsl: true }) ?? '', /\(\/mnt\/e\)/);
});

test('windowsMountWarning: null off WSL', () => {
  assert.equal(windowsMountWarning('/mnt/c/Users/me/proj', { wsl: false }), null);
});

test('windowsMountWarning: null for a Linux path on WSL', () => {
  assert.equal(windowsMountWarning('/home/me/proj', { wsl: true }), null);
});

test('resolved drive path triggers the warning end to end', () => {
  const resolved = resolveUserPath('C:\\Users\\me\\my proj', wsl);
  assert.equal(
    windowsMountWarning(resolved, detectPlatform(wsl)),
    'warning: /mnt/c/Users/me/my proj is on the Windows filesystem (/mnt/c); git and Codex run much slower there — move the project under your Linux home for speed',
  );
});

test('//wsl.localhost form with backslashes after the host', () => {
  assert.equal(resolveUserPath('//wsl.localhost\\Ubuntu\\home\\me\\proj', wsl), '/home/me/proj');
});
