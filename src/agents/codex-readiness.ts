import * as z from 'zod';
import { CodexNotReadyError } from '../domain/errors.js';
import { runCommand } from '../terminal/run-command.js';

/**
 * Whether Codex can make a model call here, as Codex itself judges it: `codex doctor
 * --json` (0.169.0) checks the active provider's credentials (auth.json, OPENAI_API_KEY,
 * or a custom provider's `env_key`) and whether its endpoint answers. mcp never looks at
 * the credentials themselves.
 */
export interface CodexReadiness {
  /** False when Codex cannot work at all; null when Codex could not tell (old version, no answer). */
  usable: boolean | null;
  /** Why not, in Codex's words, and what to do. */
  problem: string | null;
  fix: string | null;
  /** Worth a line but not a refusal (the provider does not answer: no network yet). */
  warnings: string[];
}

/** `codex doctor` answers in about a second; one that hangs must not hold a run back. */
const DOCTOR_TIMEOUT_MS = 15_000;

/** Checks that, failing, mean no model call can succeed. */
const BLOCKING_CHECKS = ['config.load', 'auth.credentials'] as const;
const REACHABILITY_CHECK = 'network.provider_reachability';

const checkSchema = z.object({ status: z.string(), summary: z.string(), remediation: z.string().nullish() }).loose();
const reportSchema = z.object({ checks: z.record(z.string(), checkSchema) }).loose();

const UNKNOWN: CodexReadiness = { usable: null, problem: null, fix: null, warnings: [] };

export function readDoctorReport(text: string): CodexReadiness {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return UNKNOWN;
  }
  const parsed = reportSchema.safeParse(data);
  if (!parsed.success) return UNKNOWN;
  const checks = parsed.data.checks;
  for (const id of BLOCKING_CHECKS) {
    const check = checks[id];
    if (check?.status === 'fail') return { usable: false, problem: check.summary, fix: check.remediation ?? null, warnings: [] };
  }
  const reach = checks[REACHABILITY_CHECK];
  const warnings = reach?.status === 'fail' ? [`${reach.summary}${reach.remediation ? ` (${reach.remediation})` : ''}`] : [];
  return { usable: true, problem: null, fix: null, warnings };
}

export async function checkCodexReadiness(codexPath: string, env: NodeJS.ProcessEnv, cwd: string): Promise<CodexReadiness> {
  const result = await runCommand([codexPath, 'doctor', '--json'], { cwd, env, timeoutMs: DOCTOR_TIMEOUT_MS });
  // doctor exits 1 whenever any check fails, warnings of no consequence included: read the report.
  return readDoctorReport(result.stdout);
}

/**
 * Refuses, in one line with what to do, when Codex cannot work; returns the warnings
 * otherwise. Called before planning: a planner that cannot reach a model would wait for
 * minutes saying nothing.
 */
export async function requireUsableCodex(codexPath: string, env: NodeJS.ProcessEnv, cwd: string): Promise<string[]> {
  const readiness = await checkCodexReadiness(codexPath, env, cwd);
  if (readiness.usable === false) {
    throw new CodexNotReadyError(
      `codex cannot reach a model: ${readiness.problem ?? 'codex doctor reports a failure'}`,
      `${readiness.fix ? `${readiness.fix.replace(/\.$/, '')}; ` : ''}for the OpenAI provider run \`codex login\`; \`mcp doctor\` shows every check`,
    );
  }
  return readiness.warnings;
}
