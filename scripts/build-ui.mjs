#!/usr/bin/env node
// Bundles the dashboard's page (src/ui/web) into dist/ui: one script, one stylesheet, the
// HTML; everything it needs is inside, so it loads nothing from the network.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const web = path.join(root, 'src/ui/web');
const out = path.join(root, 'dist/ui');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  // main.ts imports styles.css: esbuild writes it beside the script as app.css.
  // panel.js: the terminal and diff libraries, loaded when a task panel opens.
  entryPoints: { app: path.join(web, 'main.ts'), panel: path.join(web, 'panel-libs.ts') },
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['chrome110', 'firefox115', 'safari16'],
  legalComments: 'linked',
  logLevel: 'warning',
  loader: { '.woff2': 'file' },
});
copyFileSync(path.join(web, 'index.html'), path.join(out, 'index.html'));
