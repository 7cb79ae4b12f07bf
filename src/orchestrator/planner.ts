import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { codexPlanArgs, codexResumeArgs } from '../agents/codex-exec-args.js';
import { missingCodexMessage, type CodexBinary } from '../agents/codex-binary.js';
import { correctivePrompt } from '../agents/planner-prompt.js';
import { PlanError, PlannerError, PlanningStopped } from '../domain/errors.js';
import { EventLog } from '../terminal/event-log.js';
import type { TerminalManager } from '../terminal/terminal-manager.js';
import { runExecTurn } from './codex-exec-turn.js';
import { planFromAnswer, plannerJsonSchema, type Plan } from './plan.js';

export interface PlannerDeps {
  codex: CodexBinary;
  env: NodeJS.ProcessEnv;
  project: string;
  allowList: readonly string[];
  killGraceMs: number;
  /** A planning turn that takes longer than this is stopped (a hung model). */
  timeoutMs: number;
  terminals: TerminalManager;
  /** The planner's terminal id, so a kill of the run reaches it. */
  terminalId: string;
  /**
   * What Codex reports while it plans (reconnecting, errors), as it happens: a person
   * waiting on a silent planner must know why. Repeats of one message are not passed on.
   */
  onNotice?: (message: string) => void;
  /** True once the run was killed: no further planning turn starts. */
  shouldStop?: () => boolean;
}

/** How long a repeated planner message stays quiet ("Reconnecting…" comes every few seconds). */
const NOTICE_REPEAT_MS = 60_000;

/** Default limit of one planning turn. */
export const PLANNER_TIMEOUT_MS = 10 * 60_000;

interface Turn {
  sessionId: string | null;
  failure: string | null;
  exitCode: number | null;
  answer: string | null;
}

/**
 * Asks Codex for a plan (read-only sandbox on the project, answer constrained by the plan
 * schema). An answer that does not validate gets one corrective re-ask in the same session
 * quoting the validation error; a second bad answer is a PlannerError. Every file of the
 * exchange (prompts, answers, logs) stays in `workDir`.
 */
export async function askPlanner(deps: PlannerDeps, prompt: string, workDir: string, externalKeys: ReadonlySet<string> = new Set()): Promise<Plan> {
  if (!deps.codex.path) throw new PlannerError(missingCodexMessage(deps.codex));
  mkdirSync(workDir, { recursive: true });
  const schemaFile = path.join(workDir, 'plan-schema.json');
  writeFileSync(schemaFile, `${JSON.stringify(plannerJsonSchema(), null, 2)}\n`);
  const events = new EventLog(path.join(workDir, 'events.ndjson'), 'planner');
  try {
    const first = await turn(deps, workDir, 1, prompt, events, (answerFile) => codexPlanArgs({ project: deps.project, schemaFile, answerFile }));
    let error: PlanError;
    try {
      return readAnswer(first, workDir, 1, deps.allowList, externalKeys);
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      error = e;
    }
    events.append({ type: 'planner.invalid_answer', attempt: 1, error: error.message });
    if (!first.sessionId) throw new PlannerError(`the planner's answer is not a valid plan: ${error.message}`, `see ${workDir}`);
    const sessionId = first.sessionId;
    const second = await turn(deps, workDir, 2, correctivePrompt(error.message), events, (answerFile) =>
      codexResumeArgs({ sessionId, lastMessageFile: answerFile, sandbox: 'read-only', outputSchema: schemaFile }),
    );
    try {
      return readAnswer(second, workDir, 2, deps.allowList, externalKeys);
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      events.append({ type: 'planner.invalid_answer', attempt: 2, error: e.message });
      throw new PlannerError(`the planner answered twice without a valid plan: ${e.message}`, `its raw answers are in ${workDir}`);
    }
  } finally {
    events.close();
  }
}

function readAnswer(result: Turn, workDir: string, n: number, allowList: readonly string[], externalKeys: ReadonlySet<string>): Plan {
  if (result.answer === null || result.answer.trim() === '') throw new PlanError(`planner answer ${n}: empty answer`, 'answer with the plan JSON');
  return planFromAnswer(result.answer, `planner answer ${n} (${path.join(workDir, `answer-${n}.md`)})`, allowList, externalKeys);
}

async function turn(deps: PlannerDeps, workDir: string, n: number, prompt: string, events: EventLog, args: (answerFile: string) => string[]): Promise<Turn> {
  if (deps.shouldStop?.()) throw new PlanningStopped('planning was stopped (killed by user)');
  const answerFile = path.join(workDir, `answer-${n}.md`);
  const promptFile = path.join(workDir, `prompt-${n}.md`);
  writeFileSync(promptFile, prompt);
  const argv = [deps.codex.path ?? 'codex', ...args(answerFile)];
  const said = new Map<string, number>();
  const notice = (message: string): void => {
    const last = said.get(message);
    if (last !== undefined && Date.now() - last < NOTICE_REPEAT_MS) return;
    said.set(message, Date.now());
    deps.onNotice?.(message);
  };
  events.append({ type: 'planner.started', attempt: n, argv });
  const { exit, sessionId, failure } = await runExecTurn({
    terminals: deps.terminals,
    id: deps.terminalId,
    argv,
    cwd: deps.project,
    env: deps.env,
    stdoutLog: path.join(workDir, 'stdout.log'),
    stderrLog: path.join(workDir, 'stderr.log'),
    promptFile,
    timeoutMs: deps.timeoutMs,
    killGraceMs: deps.killGraceMs,
    onEvent: (event) => {
      events.append(event);
      // Top-level errors are what Codex says while it cannot go on (no network, overload).
      if (event.type === 'codex.error') notice(event.message);
    },
  });
  const result: Turn = { sessionId, failure, exitCode: exit.exitCode, answer: null };
  events.append({ type: 'planner.exit', attempt: n, exitCode: exit.exitCode, signal: exit.signal, stoppedBy: exit.stoppedBy });
  if (exit.stoppedBy === 'killed') throw new PlanningStopped('planning was stopped (killed by user)');
  if (exit.stoppedBy === 'timed_out') throw new PlannerError(`the planner did not answer within ${Math.round(deps.timeoutMs / 1000)} s`, `see ${workDir}`);
  if (exit.exitCode !== 0 || result.failure) {
    const why = result.failure ?? `codex exited with ${exit.exitCode ?? exit.signal}`;
    throw new PlannerError(`the planner (codex) failed: ${why}`, `see ${path.join(workDir, 'stdout.log')}`);
  }
  result.answer = existsSync(answerFile) ? readFileSync(answerFile, 'utf8') : null;
  return result;
}
