/**
 * Arguments of one non-interactive Codex turn in a task workspace. The prompt is read from
 * stdin (`-`) because a single argv string is capped at 128 KiB by the kernel.
 */
export function codexExecArgs(options: { workspace: string; lastMessageFile: string }): string[] {
  return [
    'exec',
    '--json',
    '--color',
    'never',
    '--skip-git-repo-check',
    '-C',
    options.workspace,
    '-s',
    'workspace-write',
    '-o',
    options.lastMessageFile,
    '-',
  ];
}
