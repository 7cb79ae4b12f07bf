#!/usr/bin/env node
// Bundles the CLI (tsc's output, dist/src) into dist/bin: mcp.js and the chunks its commands
// load when called. Node 20 keeps no compile cache, and resolving, reading and compiling
// some 150 modules one by one took about 240 ms of every `mcp run` before it did anything;
// one file per command compiles in a fraction of that. The native modules stay outside
// (node-pty, better-sqlite3), and so does @xterm/headless, which screen-replay requires
// only when someone watches a task.
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
  external: ['node-pty', 'better-sqlite3', '@xterm/headless', '@xterm/addon-serialize', 'bufferutil', 'utf-8-validate'],
  // The bundled CommonJS packages (commander, ws) call require() for Node's own modules.
  banner: { js: "import { createRequire as __mcpCreateRequire } from 'node:module'; const require = __mcpCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(path.join(out, 'mcp.js'), 0o755);
