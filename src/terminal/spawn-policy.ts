import path from 'node:path';
import { SpawnRefusedError } from '../domain/errors.js';

/**
 * The one gate before any task process starts: only the Codex binary and allow-listed
 * argv[0] pass. Names are compared without their directory so `/usr/bin/git` is `git`,
 * but a relative or absolute path to some other program never sneaks through by name.
 */
export function assertSpawnAllowed(argv0: string, allowList: readonly string[], codexBinary: string): void {
  if (argv0 === codexBinary) return;
  const base = path.basename(argv0);
  if (argv0 === base && allowList.includes(base)) return;
  throw new SpawnRefusedError(
    `refused to start ${JSON.stringify(argv0)}: only codex and the allow-list (${allowList.join(', ')}) may run`,
    'add the command name to "allow" in mcp.config.json',
  );
}
