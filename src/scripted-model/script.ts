import * as z from 'zod';

/**
 * What the scripted model does for one request. A conversation advances one step per
 * model response: the step index is the number of earlier model outputs (tool calls and
 * assistant messages) in the request's input, so a resumed session (`codex exec resume`)
 * continues where it stopped, and parallel sessions never mix.
 */
export const scriptStepSchema = z
  .object({
    /** Ask Codex to run this shell command through its `exec_command` tool. */
    exec: z.string().optional(),
    /** With `exec`: ask for the command to run outside the sandbox (Codex asks a human first). */
    escalate: z.boolean().optional(),
    /**
     * Ask Codex to edit files through its `apply_patch` tool (a freeform custom tool call),
     * e.g. "*** Begin Patch\n*** Add File: a.txt\n+hello\n*** End Patch\n". Codex offers that tool
     * only for models its catalog knows (see `writeScriptedCodexHome`'s `model` option).
     */
    patch: z.string().optional(),
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
    /** The first N requests matching this rule get HTTP 500 (a flaky model, for retries). */
    failFirst: z.number().int().min(0).optional(),
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

/** The first rule whose `match` is in the user text, or undefined (the fallback applies). */
export function findRule(script: Script, userText: string): ScriptRule | undefined {
  return script.rules.find((r) => userText.includes(r.match));
}

/** Picks the step for a request; once a rule's steps are used up, "Done.". */
export function chooseStep(script: Script, userText: string, modelOutputs: number): ScriptStep {
  const rule = findRule(script, userText);
  const steps = rule ? rule.steps : script.fallback;
  return steps[modelOutputs] ?? { say: 'Done.' };
}
