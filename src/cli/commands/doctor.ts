import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findCodexBinary, missingCodexMessage } from '../../agents/codex-binary.js';
import { checkCodexReadiness } from '../../agents/codex-readiness.js';
import { CONFIG_FILE_NAME } from '../../config/config.js';
import { errorMessage, isMcpError } from '../../domain/errors.js';
import { detectPlatform } from '../../paths/platform.js';
import { resolveContext, type ContextOptions, type McpContext } from '../context.js';
import type { StateRoot } from '../../store/state-root.js';
import { runCommand } from '../../terminal/run-command.js';
import { worktreeBacklog } from '../../orchestrator/clean-facts.js';

export interface Check {
  name: string;
  ok: boolean;
  /** Works, but worth acting on: printed as `warn`, with its fix; doctor still exits 0. */
  warn?: boolean;
  detail: string;
  fix?: string;
}

/**
 * `git worktree add` reads every worktree already registered (measured with git 2.39 on a
 * 2-core machine: 49 ms with none, 84 ms with 200, 161 ms with 1,000), and mcp adds them
 * one at a time. Past this many, doctor says so.
 */
export const WORKTREES_WARN_AT = 200;

/** What the worktrees registered in the project's repository cost, and what frees them. */
export function worktreesCheck(counts: { top: string; registered: number; under: number }, runsDir: string): Check {
  const mcp = counts.under === 0 ? 'none of them' : counts.under === counts.registered ? 'all of them' : `${counts.under} of them`;
  const detail = `${counts.registered} registered in ${counts.top}${counts.registered > 0 ? ` (${mcp} task workspaces in ${runsDir})` : ''}`;
  if (counts.registered < WORKTREES_WARN_AT) return { name: 'worktrees', ok: true, detail };
  return {
    name: 'worktrees',
    ok: true,
    warn: true,
    detail: `${detail}; git reads each one whenever it adds a worktree, so every new task's workspace takes longer`,
    fix: counts.under > 0 ? '`mcp clean --dry-run` shows what would go, `mcp clean` removes what finished runs left (work found nowhere else stays)' : '`git worktree list`, then `git worktree remove` the ones you no longer need',
  };
}

/** The config `mcp run` would load, refused (or not) in the words `mcp run` uses. */
export async function configCheck(ctx: McpContext, explicit: string | undefined): Promise<Check> {
  const file = explicit !== undefined ? ctx.resolvePath(explicit) : path.join(ctx.project, CONFIG_FILE_NAME);
  try {
    await ctx.loadConfig();
    return { name: 'config', ok: true, detail: existsSync(file) ? `${file} is valid` : `no ${CONFIG_FILE_NAME} (defaults)` };
  } catch (error) {
    if (!isMcpError(error)) throw error;
    return { name: 'config', ok: false, detail: error.message, ...(error.hint ? { fix: error.hint } : {}) };
  }
}

/** Whether the Codex that will run the tasks asks before `git push` and the config's `sensitive` commands, under mcp's rules. */
export async function sensitiveCheck(codexPath: string, ctx: McpContext): Promise<Check> {
  const { sensitiveCommandsCodexSkips } = await import('../../agents/app-server/task-rules.js');
  const sensitive = await ctx.loadConfig().then((config) => config.sensitive, () => []);
  const seen = await sensitiveCommandsCodexSkips(codexPath, sensitive);
  const fix = 'use a Codex that reads execution-policy rules (@openai/codex 0.169.0, as pinned by mcp, or newer)';
  if ('problem' in seen) return { name: 'approvals', ok: false, detail: `cannot tell whether Codex asks before sensitive commands: ${seen.problem}`, fix };
  if (seen.skipped.length > 0) return { name: 'approvals', ok: false, detail: `Codex would run these unasked in a task: ${seen.skipped.join(', ')}`, fix };
  return { name: 'approvals', ok: true, detail: `Codex asks before ${seen.checked.join(', ')} (mcp's rules)` };
}

/** What `mcp run` would refuse about the state root (same words), else whether its control directory is private. */
export function stateRootCheck(root: StateRoot, access?: (file: string, mode: number) => void): Check {
  const problem = root.problem(access);
  if (problem) return { name: 'state root', ok: false, detail: problem.message, ...(problem.hint ? { fix: problem.hint } : {}) };
  const control = statSync(root.controlDir, { throwIfNoEntry: false });
  if (control && (control.mode & 0o077) !== 0) return { name: 'state root', ok: false, detail: `${root.controlDir} is open to other users (mode ${(control.mode & 0o777).toString(8)})`, fix: `chmod 700 ${root.controlDir}` };
  return { name: 'state root', ok: true, detail: existsSync(root.dir) ? `${root.dir}, writable, control directory private` : `${root.dir} (created on first run)` };
}

export interface DoctorOptions extends ContextOptions {
  json?: boolean;
}

/** Each check is one line with a fix; exit 1 if any fails. Secrets are never printed. */
export async function doctorCommand(options: DoctorOptions): Promise<number> {
  const checks: Check[] = [];
  const ctx = resolveContext(options);

  const codex = findCodexBinary(process.env);
  if (!codex.path) checks.push({ name: 'codex', ok: false, detail: missingCodexMessage(codex) });
  else {
    const result = await runCommand([codex.path, '--version'], { cwd: ctx.project, timeoutMs: 15_000 });
    checks.push({ name: 'codex', ok: result.code === 0, detail: result.code === 0 ? `${result.stdout.trim()} at ${codex.path}` : `\`${codex.path} --version\` failed`, fix: 'reinstall @openai/codex' });
  }

  if (codex.path) {
    // Codex judges its own provider, credentials and endpoint (`codex doctor`); mcp never reads them.
    const readiness = await checkCodexReadiness(codex.path, process.env, ctx.project);
    const detail =
      readiness.usable === null
        ? '`codex doctor` gave no report'
        : readiness.usable
          ? `credentials present for the configured provider${readiness.warnings.length ? `; ${readiness.warnings.join('; ')}` : ''}`
          : (readiness.problem ?? 'codex doctor reports a failure');
    checks.push({ name: 'codex model', ok: readiness.usable !== false, detail, fix: `${readiness.fix ? `${readiness.fix} ` : ''}(OpenAI provider: \`codex login\`; details: \`codex doctor\`)` });
  }

  try {
    await import('node-pty');
    checks.push({ name: 'node-pty', ok: true, detail: 'native module loads' });
  } catch (error) {
    checks.push({ name: 'node-pty', ok: false, detail: errorMessage(error), fix: 'run `npm rebuild node-pty` (needs python3, make, g++)' });
  }

  try {
    // The store's own way in: the addon it names, WAL, its migrations (which write).
    const { openDatabase } = await import('../../store/database.js');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-doctor-'));
    try {
      openDatabase(path.join(dir, 'tasks.db')).close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    checks.push({ name: 'sqlite', ok: true, detail: 'better-sqlite3 loads and writes WAL' });
  } catch (error) {
    checks.push({ name: 'sqlite', ok: false, detail: errorMessage(error), fix: 'run `npm rebuild better-sqlite3`' });
  }

  const git = await runCommand(['git', '--version'], { cwd: ctx.project, timeoutMs: 10_000 });
  checks.push({ name: 'git', ok: git.code === 0, detail: git.code === 0 ? git.stdout.trim() : 'git not found (workspaces fall back to plain copies)', fix: 'install git' });

  const platform = detectPlatform(ctx.platformEnv);
  checks.push({ name: 'platform', ok: ctx.warning === null, detail: `${platform.wsl ? `WSL (${platform.distro ?? 'distro unknown'})` : 'Linux'}; project ${ctx.project}${ctx.warning ? `; ${ctx.warning}` : ''}`, fix: 'move the project under your Linux home' });

  checks.push(await configCheck(ctx, options.config));
  if (codex.path) checks.push(await sensitiveCheck(codex.path, ctx));
  checks.push(stateRootCheck(ctx.root));

  const backlog = await worktreeBacklog(ctx.project, ctx.root);
  if (backlog) checks.push(worktreesCheck(backlog, ctx.root.runsDir));

  if (options.json) process.stdout.write(`${JSON.stringify({ ok: checks.every((c) => c.ok), checks }, null, 2)}\n`);
  else {
    for (const c of checks) process.stdout.write(`${c.ok ? (c.warn ? 'warn' : 'ok  ') : 'FAIL'}  ${c.name.padEnd(13)}${c.detail}${(!c.ok || c.warn) && c.fix ? `  — fix: ${c.fix}` : ''}\n`);
  }
  return checks.every((c) => c.ok) ? 0 : 1;
}
