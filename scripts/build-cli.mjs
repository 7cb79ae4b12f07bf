#!/usr/bin/env node
// Bundles the CLI (tsc's output, dist/src) into dist/bin: mcp.js, the entry (option parsing,
// error reporting), and one folder per command, which mcp.js imports when that command is
// called. Importing `mcp run`'s modules one file at a time took 230-240 ms of every run
// before it did anything, bundled about 90 ms, and from V8's code cache about 50 (see
// CACHED below).
//
// Each command is bundled on its own, so what it imports up front is one file or a few (the
// code it shares with its lazy imports). One build for all commands shared their code in
// chunks: `mcp status` loaded 16 files and `mcp run` 38, and Node's ESM loader reads each
// with several round trips through its thread pool, which a busy machine makes slow
// (importing status's code beside four busy loops took 512 ms from its chunks, 416 ms from
// one file). What a command imports only when needed (its config's schemas, the WebSocket
// library) stays a chunk in its folder. Commands share no module state with the entry; the
// one thing that crosses, an error, is recognised by a mark (domain/errors.ts isMcpError).
//
// Native addons stay outside: node-pty whole, and better-sqlite3's compiled addon, which
// store/database.ts names to it (its JavaScript, a dozen small files, is bundled).
// @xterm/headless stays outside too: screen-replay requires it only when someone watches.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const src = path.join(root, 'dist/src/cli');
const out = path.join(root, 'dist/bin');
rmSync(out, { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Whitespace and syntax only: names stay, so `--debug` stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  packages: 'bundle',
  external: ['node-pty', '@xterm/headless', '@xterm/addon-serialize', 'bufferutil', 'utf-8-validate'],
  // The bundled CommonJS packages (commander, ws, better-sqlite3) call require() for Node's
  // own modules, and better-sqlite3 for the addon it is named.
  banner: { js: "import { createRequire as __mcpCreateRequire } from 'node:module'; const require = __mcpCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
};

// The commands are what main.js imports when called: `import('./commands/<name>.js')`.
const COMMAND = /^\.\/commands\/([a-z-]+)\.js$/;
const IMPORT_COMMAND = /import\('\.\/commands\/([a-z-]+)\.js'\)/g;
const main = readFileSync(path.join(src, 'main.js'), 'utf8');
const commands = [...main.matchAll(IMPORT_COMMAND)].map((m) => m[1]);
if (commands.length === 0) throw new Error('build-cli: main.js imports no command');

// The commands that load through V8's code cache (src/cli/compile-cache.ts): those whose
// code is large and mostly runs, which compiling costs more than reading a cache and its
// functions does. A one-task `mcp run` ends 28 ms sooner so. `mcp status` was 6 ms slower
// (171 vs 165 ms): one CommonJS file holds its lazy imports too (config, zod), where an ES
// build keeps them in a chunk it never loads.
const CACHED = new Set(['run', 'resume', 'supervise']);
for (const name of CACHED) if (!commands.includes(name)) throw new Error(`build-cli: main.js has no command ${name}`);

// main.js's `import('./commands/<name>.js')` becomes `loadCommand('<name>')` for a cached
// command, which runs <name>/index.cjs through the cache, and an import of <name>/index.js
// for the others.
await build({
  ...common,
  entryPoints: { mcp: path.join(src, 'main.js') },
  outdir: out,
  plugins: [
    {
      name: 'commands-apart',
      setup(b) {
        b.onLoad({ filter: /[\\/]cli[\\/]main\.js$/ }, (args) => ({
          // At the end: the file starts with its #! line, and imports are hoisted anyway.
          contents: `${main.replace(IMPORT_COMMAND, (call, name) => (CACHED.has(name) ? `__mcpLoadCommand('${name}')` : call))}\nimport { loadCommand as __mcpLoadCommand } from './compile-cache.js';\n`,
          resolveDir: path.dirname(args.path),
          loader: 'js',
        }));
        b.onResolve({ filter: COMMAND }, (args) => ({ path: `./${COMMAND.exec(args.path)[1]}/index.js`, external: true }));
      },
    },
  ],
});
await Promise.all(
  commands.map((name) =>
    CACHED.has(name)
      ? // One CommonJS file: V8's code cache is for scripts, not ES modules. CommonJS has no
        // chunks, so what the command imports lazily is in the file (and still runs only when
        // imported: the bundle keeps it behind a function). `import.meta.url` becomes the
        // file's own URL.
        build({
          ...common,
          format: 'cjs',
          entryPoints: [path.join(src, 'commands', `${name}.js`)],
          outfile: path.join(out, name, 'index.cjs'),
          banner: { js: "const __mcpImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
          define: { 'import.meta.url': '__mcpImportMetaUrl' },
        })
      : build({ ...common, entryPoints: { index: path.join(src, 'commands', `${name}.js`) }, outdir: path.join(out, name), splitting: true }),
  ),
);
// What a bundle imports itself becomes a function call; an import() left in a cached one is
// of a package kept outside, which code run from V8's cache cannot do (see compile-cache.ts).
for (const name of CACHED) {
  const left = /(?<![\w$.])import\(\s*["'`]([^"'`]+)/.exec(readFileSync(path.join(out, name, 'index.cjs'), 'utf8'));
  if (left) throw new Error(`build-cli: mcp ${name} has import('${left[1]}'): use require() for a package kept outside the bundle`);
}
chmodSync(path.join(out, 'mcp.js'), 0o755);
