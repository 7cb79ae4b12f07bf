/**
 * Arguments of the planner's `codex exec` runs (tasks go through `codex app-server`).
 * Prompts are read from stdin (`-`) because a single argv string is capped at 128 KiB.
 */
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
