/** A done task's final message in the ledger is cut to this: the planner needs the gist. */
const LEDGER_MESSAGE_CHARS = 2_000;

function clip(text: string, max: number): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max)} […]`;
}

const RULES = (allowList: readonly string[]) => `Rules for the plan:
- Each task runs as a separate Codex session in its own copy of this project, in parallel with the others unless it depends on them; a task sees the files of the tasks it depends on.
- "id": lowercase letters, digits and dashes, at most 48 characters, unique.
- "prompt": complete instructions for an agent that sees only the project and this prompt. Set "command" to null.
- Or, for a check with no agent, "command": an argv whose program is one of ${allowList.join(', ')}; then "prompt" is null.
- "dependsOn": ids of the tasks whose results this task needs (no cycles). "acceptance": how to tell the task is done, or null.
- Prefer a few well-separated tasks that can run in parallel over many tiny ones.
Answer with the JSON plan only.`;

export function planningPrompt(objective: string, allowList: readonly string[]): string {
  return `You are the planner of mcp, an orchestrator of Codex sessions. Break the objective below into a plan of tasks. You may read the project in the current directory to plan well; do not change anything.

Objective: ${objective}

${RULES(allowList)}
`;
}

export interface LedgerTask {
  id: string;
  title: string;
  prompt: string | null;
  command: string[] | null;
  dependsOn: string[];
}

export interface Ledger {
  objective: string;
  done: (LedgerTask & { lastMessage: string | null })[];
  running: LedgerTask[];
  failed: LedgerTask & { attempts: number; reason: string; lastError: string | null };
  notStarted: LedgerTask[];
}

function describe(task: LedgerTask): string {
  const work = task.prompt !== null ? `prompt: ${clip(task.prompt, LEDGER_MESSAGE_CHARS)}` : `command: ${JSON.stringify(task.command)}`;
  return `- ${task.id}${task.title ? ` (${task.title})` : ''}${task.dependsOn.length ? ` [after ${task.dependsOn.join(', ')}]` : ''}: ${work}`;
}

/** The replanning request: what is done, what failed and why, what is left. */
export function replanPrompt(ledger: Ledger, allowList: readonly string[]): string {
  const done = ledger.done.length
    ? ledger.done.map((t) => `- ${t.id}${t.title ? ` (${t.title})` : ''}: done. Final message: ${t.lastMessage ? clip(t.lastMessage, LEDGER_MESSAGE_CHARS) : '(none)'}`).join('\n')
    : '(none)';
  const f = ledger.failed;
  return `You are the planner of mcp, an orchestrator of Codex sessions. A task of the current plan failed after all its attempts; revise the plan for the work that remains.

Objective: ${ledger.objective}

Tasks done (kept as they are, never redone; new tasks may depend on their ids):
${done}

Tasks still running (kept; new tasks may depend on their ids):
${ledger.running.map(describe).join('\n') || '(none)'}

Failed task: ${describe(f).slice(2)}
It failed ${f.attempts} time(s). Reason: ${f.reason}${f.lastError ? `\nLast error: ${clip(f.lastError, LEDGER_MESSAGE_CHARS)}` : ''}

Tasks not started (replace or keep them as you see fit):
${ledger.notStarted.map(describe).join('\n') || '(none)'}

Answer with a plan for the remaining work only (do not list done or running tasks). Do not propose the failed task again unchanged: change its approach, split it, or route around it.

${RULES(allowList)}
`;
}

export function correctivePrompt(error: string): string {
  return `Your answer is not a valid plan: ${error}
Answer again with the corrected JSON plan only, following the schema and the rules above.
`;
}
