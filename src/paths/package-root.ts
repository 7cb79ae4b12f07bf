import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of mcp's own package.json. Found by walking up from this module rather than by
 * a fixed number of `..`: the same code runs from dist/src/<layer>/ (tests) and from the
 * bundled CLI in dist/bin/, at different depths.
 */
let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'dist'))) return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`mcp's package.json was not found above ${start}`);
  }
}
