import { readFileSync, statSync } from 'node:fs';
import * as z from 'zod';
import { formatZodIssue, oneLineMessage } from '../config/zod-issue.js';
import { MAX_DURATION_SECONDS } from '../domain/duration-limit.js';
import { PlanError } from '../domain/errors.js';
import { TASK_KEY_PATTERN } from '../domain/ids.js';

/** Plans are text a person edits; anything larger is a mistake, not a plan. */
export const MAX_PLAN_FILE_BYTES = 4 * 1024 * 1024;
/** Prompts travel on stdin, so the limit is about sanity, not argv size. */
export const MAX_PROMPT_CHARS = 1024 * 1024;
/** A run of thousands of small tasks is a real use (a test matrix, a codemod per file); more is a mistake. */
export const MAX_TASKS = 5000;

export const planTaskSchema = z
  .object({
    id: z.string().regex(TASK_KEY_PATTERN, 'must match ^[a-z0-9][a-z0-9-]{0,47}$ (lowercase letters, digits, dashes)'),
    title: z.string().max(200).optional(),
    prompt: z.string().min(1).max(MAX_PROMPT_CHARS).optional(),
    command: z.array(z.string()).min(1).max(1000).optional(),
    dependsOn: z
      .array(z.string())
      .max(MAX_TASKS)
      .superRefine((deps, ctx) => {
        // A dependency named twice is a slip (the run would show "after a, a"), not a second edge.
        deps.forEach((dep, j) => {
          if (deps.indexOf(dep) !== j) ctx.addIssue({ code: 'custom', path: [j], message: `${JSON.stringify(dep)} is listed twice` });
        });
      })
      .default([]),
    acceptance: z.string().max(10_000).optional(),
    mode: z.enum(['exec', 'interactive']).default('exec'),
    timeoutSeconds: z.number().positive().max(MAX_DURATION_SECONDS).optional(),
  })
  .strict();
export type PlanTask = z.infer<typeof planTaskSchema>;

export const planSchema = z
  .object({
    objective: z.string().max(MAX_PROMPT_CHARS).default(''),
    tasks: z.array(planTaskSchema).max(MAX_TASKS),
  })
  .strict();
export type Plan = z.infer<typeof planSchema>;

/** Reads and validates a plan file; every failure is a PlanError naming the file and the field. */
export function loadPlanFile(file: string, allowList: readonly string[]): Plan {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new PlanError(`${file}: not a regular file`, 'give the path of a plan JSON file');
    size = stat.size;
  } catch (error) {
    if (error instanceof PlanError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new PlanError(`${file}: cannot read the plan (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})`, 'check the path');
  }
  if (size > MAX_PLAN_FILE_BYTES) {
    throw new PlanError(`${file}: ${size} bytes is over the ${MAX_PLAN_FILE_BYTES}-byte limit for a plan`, 'split the work or shorten the prompts');
  }
  return parsePlanText(readFileSync(file, 'utf8'), file, allowList);
}

export function parsePlanText(text: string, source: string, allowList: readonly string[]): Plan {
  let data: unknown;
  try {
    // Some Windows editors start UTF-8 files with a byte-order mark; JSON.parse refuses it.
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new PlanError(`${source}: not valid JSON (${oneLineMessage(error)})`, 'fix the JSON syntax');
  }
  return validatePlan(data, source, allowList);
}

/**
 * `externalKeys`: ids a replanned plan may depend on without defining them (tasks that are
 * done or still running from the earlier plan version).
 */
export function validatePlan(data: unknown, source: string, allowList: readonly string[], externalKeys: ReadonlySet<string> = new Set()): Plan {
  const parsed = planSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new PlanError(`${source}: ${first ? formatZodIssue(first) : 'invalid plan'}`, 'see docs/plans.md for the plan format');
  }
  const plan = parsed.data;
  if (plan.tasks.length === 0) throw new PlanError(`${source}: tasks: the plan has no tasks`, 'add at least one task');
  checkTasks(plan, source, allowList, externalKeys);
  findCycle(plan, source);
  return plan;
}

function checkTasks(plan: Plan, source: string, allowList: readonly string[], externalKeys: ReadonlySet<string>): void {
  const seen = new Set<string>();
  plan.tasks.forEach((task, i) => {
    const at = `${source}: tasks[${i}]`;
    if (seen.has(task.id)) throw new PlanError(`${at}.id: duplicate task id ${JSON.stringify(task.id)}`, 'give each task its own id');
    seen.add(task.id);
    if ((task.prompt === undefined) === (task.command === undefined)) {
      throw new PlanError(`${at}: a task needs exactly one of "prompt" or "command"`, 'use prompt for a Codex session, command for an argv');
    }
    if (task.command) {
      const program = task.command[0] ?? '';
      if (!allowList.includes(program)) {
        throw new PlanError(
          `${at}.command[0]: ${JSON.stringify(program)} is not on the allow-list (${allowList.join(', ')})`,
          'add it to "allow" in mcp.config.json, or use a prompt task',
        );
      }
      if (task.mode === 'interactive') throw new PlanError(`${at}.mode: a command task cannot be interactive`, 'remove "mode"');
    }
  });
  plan.tasks.forEach((task, i) => {
    task.dependsOn.forEach((dep, j) => {
      if (!seen.has(dep) && !externalKeys.has(dep)) {
        throw new PlanError(`${source}: tasks[${i}].dependsOn[${j}]: unknown task ${JSON.stringify(dep)}`, 'depend only on ids defined in this plan');
      }
      if (dep === task.id) throw new PlanError(`${source}: tasks[${i}].dependsOn[${j}]: task ${JSON.stringify(dep)} depends on itself`, 'remove the self-dependency');
    });
  });
}

/** Depth-first search that reports the first cycle as `a -> b -> a`. */
function findCycle(plan: Plan, source: string): void {
  const deps = new Map(plan.tasks.map((t) => [t.id, t.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    const mark = state.get(id);
    if (mark === 'done') return;
    if (mark === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id].join(' -> ');
      throw new PlanError(`${source}: dependsOn: cycle ${cycle}`, 'break the cycle so the tasks can run in order');
    }
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of deps.get(id) ?? []) visit(dep);
    stack.pop();
    state.set(id, 'done');
  };
  for (const task of plan.tasks) visit(task.id);
}

/** Dependencies first: the order in which branches are merged and tasks listed. */
export function topologicalOrder(tasks: readonly { id: string; dependsOn: readonly string[] }[]): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const visit = (id: string): void => {
    if (done.has(id)) return;
    done.add(id);
    for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep);
    order.push(id);
  };
  for (const task of tasks) visit(task.id);
  return order;
}

/**
 * What the planner must answer. Derived from the plan-file schema field by field, with
 * every field present and the optional ones nullable, because structured outputs
 * (`codex exec --output-schema`) require every property to be listed as required.
 */
const shape = planTaskSchema.shape;
export const plannerAnswerSchema = z
  .object({
    objective: z.string(),
    tasks: z
      .array(
        z
          .object({
            id: shape.id,
            title: shape.title.unwrap(),
            prompt: shape.prompt.unwrap().nullable(),
            command: shape.command.unwrap().nullable(),
            dependsOn: shape.dependsOn.unwrap(),
            acceptance: shape.acceptance.unwrap().nullable(),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_TASKS),
  })
  .strict();

/** The JSON schema given to `codex exec --output-schema`. */
export function plannerJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(plannerAnswerSchema, { target: 'draft-7' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

/** Reads a planner's answer (JSON, possibly fenced in markdown) into a validated plan. */
export function planFromAnswer(answer: string, source: string, allowList: readonly string[], externalKeys: ReadonlySet<string> = new Set()): Plan {
  const text = answer.trim().replace(/^```(?:json)?\s*\n([\s\S]*?)\n```$/u, '$1');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PlanError(`${source}: not valid JSON (${oneLineMessage(error)})`, 'answer with the plan JSON only');
  }
  // Nulls stand for absent optional fields in the planner's schema.
  if (data && typeof data === 'object' && Array.isArray((data as { tasks?: unknown }).tasks)) {
    for (const task of (data as { tasks: Record<string, unknown>[] }).tasks) {
      if (task && typeof task === 'object') for (const key of Object.keys(task)) if (task[key] === null) delete task[key];
    }
  }
  return validatePlan(data, source, allowList, externalKeys);
}
