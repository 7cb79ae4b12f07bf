#!/usr/bin/env node
// Bundles the CLI (tsc's output, dist/src) into dist/bin: mcp.js and the chunks its commands
// load when called. Node 20 keeps no compile cache: importing `mcp run`'s modules one file
// at a time took 230-240 ms of every run before it did anything, bundled about 110 ms.
// Native addons stay outside: node-pty whole, and better-sqlite3's compiled addon, which
// store/database.ts names to it (its JavaScript, a dozen small files, is bundled).
// @xterm/headless stays outside too: screen-replay requires it only when someone watches.
import { chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'dist/bin');
rmSync(out, { recursive: true, force: true });

await build({
  entryPoints: { mcp: path.join(root, 'dist/src/cli/main.js') },
  outdir: out,
  bundle: true,
  splitting: true,
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
});
chmodSync(path.join(out, 'mcp.js'), 0o755);
