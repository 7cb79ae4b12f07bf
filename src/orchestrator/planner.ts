import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { codexPlanArgs, codexResumeArgs } from '../agents/codex-exec-args.js';
import { readCodexLine } from '../agents/codex-events.js';
import { missingCodexMessage, type CodexBinary } from '../agents/codex-binary.js';
import { correctivePrompt } from '../agents/planner-prompt.js';
import { PlanError, PlannerError } from '../domain/errors.js';
import { EventLog } from '../terminal/event-log.js';
import { LineSplitter } from '../terminal/line-splitter.js';
import { PtyProcess } from '../terminal/pty-process.js';
import { assertSpawnAllowed } from '../terminal/spawn-policy.js';
import { planFromAnswer, plannerJsonSchema, type Plan } from './plan.js';

export interface PlannerDeps {
  codex: CodexBinary;
  env: NodeJS.ProcessEnv;
  project: string;
  allowList: readonly string[];
  killGraceMs: number;
  /** A planning turn that takes longer than this is stopped (a hung model). */
  timeoutMs: number;
}

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
  const answerFile = path.join(workDir, `answer-${n}.md`);
  const promptFile = path.join(workDir, `prompt-${n}.md`);
  writeFileSync(promptFile, prompt);
  const argv = [deps.codex.path ?? 'codex', ...args(answerFile)];
  assertSpawnAllowed(argv[0] ?? '', deps.allowList, deps.codex.path ?? '');
  const result: Turn = { sessionId: null, failure: null, exitCode: null, answer: null };
  const splitter = new LineSplitter((line) => {
    const read = readCodexLine(line);
    if (!read) return;
    if (read.event) events.append(read.event);
    if (read.sessionId) result.sessionId = read.sessionId;
    if (read.failure) result.failure = read.failure;
  });
  events.append({ type: 'planner.started', attempt: n, argv });
  const child = new PtyProcess({
    argv,
    cwd: deps.project,
    env: { ...deps.env, TERM: 'xterm-256color' },
    stdoutLog: path.join(workDir, 'stdout.log'),
    stderrLog: path.join(workDir, 'stderr.log'),
    stdinFile: promptFile,
    timeoutMs: deps.timeoutMs,
    killGraceMs: deps.killGraceMs,
    onData: (chunk) => splitter.push(chunk),
  });
  const exit = await child.exited;
  splitter.end();
  result.exitCode = exit.exitCode;
  events.append({ type: 'planner.exit', attempt: n, exitCode: exit.exitCode, signal: exit.signal, stoppedBy: exit.stoppedBy });
  if (exit.stoppedBy === 'timed_out') throw new PlannerError(`the planner did not answer within ${Math.round(deps.timeoutMs / 1000)} s`, `see ${workDir}`);
  if (exit.exitCode !== 0 || result.failure) {
    const why = result.failure ?? `codex exited with ${exit.exitCode ?? exit.signal}`;
    throw new PlannerError(`the planner (codex) failed: ${why}`, `see ${path.join(workDir, 'stdout.log')}`);
  }
  result.answer = existsSync(answerFile) ? readFileSync(answerFile, 'utf8') : null;
  return result;
}
