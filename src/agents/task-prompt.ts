/** Each dependency's final message is cut to this, so a wide fan-in cannot flood the prompt. */
export const MAX_DEPENDENCY_MESSAGE_CHARS = 8_000;
/** All dependency messages together stay under this. */
export const MAX_DEPENDENCY_CONTEXT_CHARS = 32_000;

export interface TaskPromptInput {
  objective: string;
  taskId: string;
  title: string;
  prompt: string;
  acceptance: string | null;
  dependencies: { key: string; title: string; lastMessage: string | null }[];
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[… cut at ${max} characters]`;
}

/** What one Codex session is told: the objective, its own work, and what its dependencies reported. */
export function composeTaskPrompt(input: TaskPromptInput): string {
  const parts: string[] = [];
  if (input.objective.trim()) parts.push(`Overall objective: ${input.objective.trim()}`);
  parts.push(`Your task (${input.taskId}${input.title ? `: ${input.title}` : ''}):\n${input.prompt}`);
  if (input.acceptance) parts.push(`Acceptance criteria:\n${input.acceptance}`);
  let budget = MAX_DEPENDENCY_CONTEXT_CHARS;
  const reports: string[] = [];
  for (const dep of input.dependencies) {
    if (!dep.lastMessage || budget <= 0) continue;
    const text = clip(dep.lastMessage.trim(), Math.min(MAX_DEPENDENCY_MESSAGE_CHARS, budget));
    budget -= text.length;
    reports.push(`### ${dep.key}${dep.title ? ` (${dep.title})` : ''}\n${text}`);
  }
  if (reports.length > 0) {
    parts.push(`Tasks you depend on are done; their work is already in your working directory. Their final reports:\n\n${reports.join('\n\n')}`);
  }
  return `${parts.join('\n\n')}\n`;
}

/** Output tail quoted to a retried session: enough to see the error, not the whole log. */
export const RETRY_OUTPUT_TAIL_CHARS = 1_500;

export interface RetryPromptInput {
  attempt: number;
  maxAttempts: number;
  reason: string;
  lastError: string | null;
  outputTail: string;
}

/** What a resumed session is told about the attempt that failed. */
export function composeRetryPrompt(input: RetryPromptInput): string {
  const parts = [
    `The previous attempt at this task failed (this is attempt ${input.attempt} of ${input.maxAttempts}).`,
    `How it ended: ${input.reason}`,
  ];
  if (input.lastError) parts.push(`Last error reported: ${input.lastError}`);
  if (input.outputTail.trim()) parts.push(`End of its output:\n${input.outputTail.trim().slice(-RETRY_OUTPUT_TAIL_CHARS)}`);
  parts.push('Find what went wrong, fix it, and finish the task as originally asked.');
  return `${parts.join('\n\n')}\n`;
}

/** What a session cut short by a dead supervisor is told when it is resumed. */
export const INTERRUPTED_PROMPT = `Your previous session on this task was interrupted because the orchestrator running it stopped.
Check the state of the working directory, then continue the task where you left off and finish it as originally asked.
`;

/** What the Codex task that resolves a merge conflict is asked. */
export function conflictPrompt(conflict: { taskKey: string; branch: string; files: readonly string[] }): string {
  return `Merging branch ${conflict.branch} (task ${conflict.taskKey}) into the run's result produced conflicts in: ${conflict.files.join(', ')}.
The merge is in progress in your working directory; the conflicting files contain conflict markers.
Resolve every conflict so that the intent of both sides is kept, remove all conflict markers, and leave the files consistent. Do not commit: mcp commits the resolution.`;
}
