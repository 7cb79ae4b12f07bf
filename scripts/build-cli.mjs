#!/usr/bin/env node
// Bundles the CLI (tsc's output, dist/src) into dist/bin: mcp.js, the entry (option parsing,
// error reporting), and one folder per command, which mcp.js imports when that command is
// called. Node 20 keeps no compile cache: importing `mcp run`'s modules one file at a time
// took 230-240 ms of every run before it did anything, bundled about 110 ms.
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
const commands = [...readFileSync(path.join(src, 'main.js'), 'utf8').matchAll(/import\('(\.\/commands\/[a-z-]+\.js)'\)/g)].map((m) => COMMAND.exec(m[1])[1]);
if (commands.length === 0) throw new Error('build-cli: main.js imports no command');

await build({
  ...common,
  entryPoints: { mcp: path.join(src, 'main.js') },
  outdir: out,
  plugins: [
    {
      name: 'commands-apart',
      setup(b) {
        b.onResolve({ filter: COMMAND }, (args) => ({ path: `./${COMMAND.exec(args.path)[1]}/index.js`, external: true }));
      },
    },
  ],
});
await Promise.all(
  commands.map((name) =>
    build({ ...common, entryPoints: { index: path.join(src, 'commands', `${name}.js`) }, outdir: path.join(out, name), splitting: true }),
  ),
);
chmodSync(path.join(out, 'mcp.js'), 0o755);
