/**
 * Arguments of Codex runs. Prompts are read from stdin (`-`) because a single argv string
 * is capped at 128 KiB by the kernel.
 */
export function codexExecArgs(options: { workspace: string; lastMessageFile: string }): string[] {
  return ['exec', '--json', '--color', 'never', '--skip-git-repo-check', '-C', options.workspace, '-s', 'workspace-write', '-o', options.lastMessageFile, '-'];
}

/**
 * Resumes a session with a new prompt. Seen with codex 0.169.0: `exec resume` takes no
 * `-s` and no `-C`; without the sandbox override the resumed turn runs read-only and its
 * writes fail, so the mode is passed as config and the process starts in the workspace.
 */
export function codexResumeArgs(options: { sessionId: string; lastMessageFile: string; sandbox: 'workspace-write' | 'read-only'; outputSchema?: string }): string[] {
  return [
    'exec',
    'resume',
    '--json',
    '--skip-git-repo-check',
    '-c',
    `sandbox_mode="${options.sandbox}"`,
    ...(options.outputSchema ? ['--output-schema', options.outputSchema] : []),
    '-o',
    options.lastMessageFile,
    options.sessionId,
    '-',
  ];
}

/** The planner reads the project but never writes it. */
export function codexPlanArgs(options: { project: string; schemaFile: string; answerFile: string }): string[] {
  return [
    'exec',
    '--json',
    '--color',
    'never',
    '--skip-git-repo-check',
    '-C',
    options.project,
    '-s',
    'read-only',
    '--output-schema',
    options.schemaFile,
    '-o',
    options.answerFile,
    '-',
  ];
}

/** Above this a prompt is typed into the TUI instead of passed as an argument (argv caps one string at 128 KiB). */
export const MAX_ARGV_PROMPT_BYTES = 100 * 1024;

/**
 * The Codex TUI for an interactive task, with Codex's own approval mode (`on-request`:
 * escalations show Codex's approval prompt, answered through `mcp approve`). Seen with
 * 0.169.0: the workspace must be trusted in config or a "Trust this folder?" screen blocks;
 * `--no-alt-screen` keeps the output in the PTY's normal buffer; `--no-daemon` keeps the TUI
 * from leaving a background app-server behind.
 */
export function codexInteractiveArgs(options: { workspace: string; trusted: string[]; prompt: string | null }): string[] {
  // A worktree inside the project's repository is trusted through the repository root.
  const trust = [...new Set([options.workspace, ...options.trusted])].flatMap((dir) => ['-c', `projects.${JSON.stringify(dir)}.trust_level="trusted"`]);
  return [
    '--no-alt-screen',
    '--no-daemon',
    '-a',
    'on-request',
    '-s',
    'workspace-write',
    '-C',
    options.workspace,
    ...trust,
    '-c',
    'tui.screen_reader_detection_done=true',
    ...(options.prompt !== null ? [options.prompt] : []),
  ];
}
