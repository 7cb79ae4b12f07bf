import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { findCodexBinary } from '../../agents/codex-binary.js';
import { planningPrompt } from '../../agents/planner-prompt.js';
import { allowListOf } from '../../config/config.js';
import { UsageError } from '../../domain/errors.js';
import { askPlanner, PLANNER_TIMEOUT_MS } from '../../orchestrator/planner.js';
import { TerminalManager } from '../../terminal/terminal-manager.js';
import { checkCodexBeforePlanning } from '../codex-check.js';
import { describePlan } from '../render/plan.js';
import { resolveContext, type ContextOptions } from '../context.js';

export interface PlanOptions extends ContextOptions {
  out?: string;
  json?: boolean;
}

/** `mcp plan OBJECTIVE`: the plan Codex proposes, nothing run; `--out` saves it for `mcp run --plan`. */
export async function planCommand(objective: string, options: PlanOptions): Promise<number> {
  if (!objective.trim()) throw new UsageError('the objective is empty', 'mcp plan "what you want done"');
  const ctx = resolveContext(options);
  const config = await ctx.loadConfig();
  const allowList = allowListOf(config);
  const out = options.out ? ctx.resolvePath(options.out) : undefined;
  await checkCodexBeforePlanning(ctx.project);
  ctx.root.prepare();
  const workDir = path.join(ctx.root.plansDir, new Date().toISOString().replace(/[:.]/g, '-'));
  const codex = findCodexBinary(process.env);
  const terminals = new TerminalManager({ allowList, codexPath: codex.path });
  const stop = (): void => void terminals.stopAll('killed');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const plan = await askPlanner(
    {
      codex,
      env: process.env,
      project: ctx.project,
      allowList,
      killGraceMs: config.killGraceSeconds * 1000,
      timeoutMs: PLANNER_TIMEOUT_MS,
      terminals,
      terminalId: 'planner',
      onNotice: (message) => process.stderr.write(`mcp: planner: ${message}\n`),
    },
    planningPrompt(objective, allowList),
    workDir,
  );
  plan.objective = objective;
  const text = `${JSON.stringify(plan, null, 2)}\n`;
  if (out) {
    try {
      writeFileSync(out, text);
    } catch (error) {
      throw new UsageError(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, 'choose another --out path');
    }
  }
  if (options.json) process.stdout.write(text);
  else process.stdout.write(`${describePlan(plan)}\n${out ? `saved to ${out}; run it with: mcp run --plan ${JSON.stringify(out)}\n` : ''}`);
  return 0;
}
