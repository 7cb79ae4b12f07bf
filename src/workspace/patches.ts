import { runCommand } from '../terminal/run-command.js';
import { git } from './git.js';

/**
 * Outside git the user's project has no branch to merge: a run's result is a patch for the
 * project, made from the run's private repository.
 */

/**
 * Writes the binary-safe diff `from`..`to` of the repository at `top` to `file`, with plain
 * a/ and b/ paths whatever the user's diff settings (prefixes, colour, external or textconv
 * drivers, rename detection), so `git apply` in the project takes it.
 */
export async function writeDiff(top: string, from: string, to: string, file: string): Promise<void> {
  // --output rather than stdout: the patch is written byte for byte, never decoded as text.
  await git(top, ['diff', '--binary', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', '--src-prefix=a/', '--dst-prefix=b/', `--output=${file}`, from, to, '--']);
}

/** `git apply --stat` of a patch: the diffstat shown by `mcp status`. */
export async function patchStat(patchFile: string, cwd: string): Promise<string> {
  const result = await runCommand(['git', 'apply', '--stat', patchFile], { cwd });
  return result.code === 0 ? result.stdout.trimEnd() : '';
}
