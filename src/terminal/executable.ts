import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Finds a program the way `execvp` would, so a missing binary is reported before any spawn. */
export function resolveExecutable(name: string, envPath = process.env.PATH ?? ''): string | null {
  if (name.includes('/')) return isExecutableFile(name) ? path.resolve(name) : null;
  for (const dir of envPath.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
