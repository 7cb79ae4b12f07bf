import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { makeDirs } from '../paths/make-dirs.js';

/**
 * Large commands are loaded through V8's code cache: Node 20 keeps none of its own (Node 22
 * has `module.enableCompileCache`), and compiling `mcp run`'s code again on every start was
 * about 40 of the 90 ms it took to load. The build makes each such command one CommonJS file
 * (dist/bin/<name>/index.cjs; which commands: CACHED in scripts/build-cli.mjs); `mcp.js`
 * loads it here instead of importing it.
 *
 * The cache is the user's, in $XDG_CACHE_HOME/mcp (else ~/.cache/mcp), one file per
 * command, named by a hash of the code and of the Node that compiled it: V8 checks a
 * cache against the length of the source only, so a cache must never meet other code.
 * It is written when the process exits, once the command has compiled what it uses; a
 * cache that cannot be read or written costs nothing but the time it would have saved.
 *
 * A command has no `import()`: code from V8's cache loses Node's hook for it (Node 20 throws
 * "A dynamic import callback was not specified"), so the build refuses a bundle with one.
 */

interface Pending {
  script: vm.Script;
  file: string;
  prefix: string;
}

const pending: Pending[] = [];
let savingOnExit = false;

/** Where the caches are kept; null when there is no home to keep them in. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'mcp');
  const home = env.HOME || os.homedir();
  return home ? path.join(home, '.cache', 'mcp') : null;
}

/** The exports of the command bundled as `<name>/index.cjs` beside the running `mcp.js`. */
export async function loadCommand(name: string): Promise<Record<string, unknown>> {
  const file = fileURLToPath(new URL(`./${name}/index.cjs`, import.meta.url));
  return loadCached(file, name, cacheDir()).exports;
}

/**
 * Runs a CommonJS file as `require` would, compiled from the cache in `dir` when it holds
 * one for this code (`fromCache`), else compiled afresh and cached when the process exits.
 */
export function loadCached(file: string, name: string, dir: string | null): { exports: Record<string, unknown>; fromCache: boolean } {
  const source = readFileSync(file, 'utf8');
  const key = createHash('sha256').update(`${process.version}\0${process.arch}\0`).update(source).digest('hex').slice(0, 32);
  const prefix = `${name}-`;
  const cacheFile = dir ? path.join(dir, `${prefix}${key}.v8`) : null;
  const cachedData = cacheFile ? readIfThere(cacheFile) : undefined;
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
  const fromCache = cachedData !== undefined && script.cachedDataRejected !== true;
  if (cacheFile && !fromCache) {
    pending.push({ script, file: cacheFile, prefix });
    if (!savingOnExit) {
      savingOnExit = true;
      process.on('exit', saveCompileCaches);
    }
  }
  const module = { exports: {} as Record<string, unknown> };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return { exports: module.exports, fromCache };
}

/** Writes the caches of what was compiled afresh (each over any older cache of its command). */
export function saveCompileCaches(): void {
  for (const { script, file, prefix } of pending.splice(0)) {
    try {
      const dir = path.dirname(file);
      makeDirs(dir, 0o700);
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
      // Another mcp may write the same cache at once: each renames a whole file of its own.
      renameSync(temporary, file);
      for (const other of readdirSync(dir)) {
        if (other.startsWith(prefix) && other.endsWith('.v8') && other !== path.basename(file)) rmSync(path.join(dir, other), { force: true });
      }
    } catch {
      // A read-only or full home: the next start compiles afresh, as without a cache.
    }
  }
}

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The wrapper Node puts around a CommonJS module (what `require` compiles). */
function wrap(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
}
