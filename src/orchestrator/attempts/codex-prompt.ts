import { composeRetryPrompt, composeTaskPrompt, INTERRUPTED_PROMPT, RETRY_OUTPUT_TAIL_CHARS } from '../../agents/task-prompt.js';
import type { TaskRecord } from '../../store/records.js';
import type { FollowUp } from '../scheduler.js';
import { readLastMessage, tailOf } from '../task-files.js';
import type { AttemptContext } from './attempt-context.js';

/** The task's prompt with the objective, its acceptance criteria and its dependencies' reports. */
export function taskPrompt(ctx: AttemptContext, task: TaskRecord): string {
  return composeTaskPrompt({
    objective: ctx.run().objective,
    taskId: task.key,
    title: task.title,
    prompt: task.prompt ?? '',
    acceptance: task.acceptance,
    dependencies: ctx.tasks.dependenciesOf(task).map((d) => ({ key: d.key, title: d.title, lastMessage: readLastMessage(ctx.root, d.id) })),
  });
}

/** What a continued session is told: why the last attempt ended, or that mcp itself stopped. */
export function followUpPrompt(ctx: AttemptContext, task: TaskRecord, followUp: FollowUp): string {
  if (followUp.kind === 'interrupted') return INTERRUPTED_PROMPT;
  return composeRetryPrompt({
    attempt: followUp.attempt,
    maxAttempts: followUp.maxAttempts,
    reason: followUp.outcome.reason ?? followUp.outcome.status,
    lastError: followUp.outcome.lastError ?? null,
    outputTail: tailOf(ctx.root.taskFiles(task.id).stdout, RETRY_OUTPUT_TAIL_CHARS),
  });
}
