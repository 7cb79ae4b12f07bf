import { z } from 'zod';

/**
 * What the scripted model does for one request. A conversation advances one step per
 * request: the step index is the number of tool outputs already in the request's input,
 * so the server needs no memory of earlier requests and parallel sessions never mix.
 */
export const scriptStepSchema = z
  .object({
    /** Ask Codex to run this shell command through its `exec_command` tool. */
    exec: z.string().optional(),
    /** Answer with this assistant message; the turn ends. */
    say: z.string().optional(),
    /** Answer with this HTTP status instead of a stream (a model outage). */
    fail: z.number().int().min(400).max(599).optional(),
    /** Start the stream, then cut the connection before `response.completed`. */
    drop: z.boolean().optional(),
    /** Wait this long before answering (models are slow; tests need overlap). */
    delayMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();
export type ScriptStep = z.infer<typeof scriptStepSchema>;

export const scriptRuleSchema = z
  .object({
    /** Substring looked for in the user text of the request (the task prompt). */
    match: z.string().min(1),
    steps: z.array(scriptStepSchema).min(1),
  })
  .strict();
export type ScriptRule = z.infer<typeof scriptRuleSchema>;

export const scriptSchema = z
  .object({
    rules: z.array(scriptRuleSchema).default([]),
    /** Reply when no rule matches. */
    fallback: z.array(scriptStepSchema).default([{ say: 'Done.' }]),
  })
  .strict();
export type Script = z.infer<typeof scriptSchema>;

/** Picks the step for a request: first matching rule; once its steps are used up, "Done.". */
export function chooseStep(script: Script, userText: string, toolOutputs: number): ScriptStep {
  const rule = script.rules.find((r) => userText.includes(r.match));
  const steps = rule ? rule.steps : script.fallback;
  return steps[toolOutputs] ?? { say: 'Done.' };
}
