import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { bashScript } from '../completion/bash.js';
import { fishScript } from '../completion/fish.js';
import { SHELLS, completionSpec } from '../completion/spec.js';
import { zshScript } from '../completion/zsh.js';

/**
 * `mcp completion bash|zsh|fish`: a completion script generated from the commander program
 * itself, so a new command or option completes without anyone editing a list. Task and run
 * ids come from `mcp status --json` when the user presses Tab.
 */

export function completionScript(shell: string, program: Command): string {
  const spec = completionSpec(program);
  switch (shell) {
    case 'bash':
      return bashScript(spec);
    case 'zsh':
      return zshScript(spec);
    case 'fish':
      return fishScript(spec);
    default:
      throw new UsageError(`unknown shell ${JSON.stringify(shell)}`, `give one of ${SHELLS.join(', ')}: mcp completion bash`);
  }
}

export function completionCommand(shell: string, program: Command): number {
  process.stdout.write(completionScript(shell, program));
  return 0;
}
