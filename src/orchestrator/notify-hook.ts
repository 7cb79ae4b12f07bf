import { errorMessage } from '../domain/errors.js';
import { describeEnd, runCommand } from '../terminal/run-command.js';
import { assertSpawnAllowed } from '../terminal/spawn-policy.js';

/** A hook that takes longer than this is stopped: it must not pile up while tasks wait. */
const NOTIFY_TIMEOUT_MS = 30_000;

/**
 * Runs the `notify` argv of mcp.config.json with one JSON document on stdin (which run,
 * which task, what is asked, how to answer). Its program must be on the allow-list, like
 * any command mcp starts. A failing hook is reported, never fatal.
 */
export async function runNotifyHook(
  argv: readonly string[],
  document: Record<string, unknown>,
  options: { cwd: string; env: NodeJS.ProcessEnv; allowList: readonly string[]; codexPath: string | null },
): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    assertSpawnAllowed(argv[0] ?? '', options.allowList, options.codexPath ?? '');
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
  const result = await runCommand(argv, { cwd: options.cwd, env: options.env, timeoutMs: NOTIFY_TIMEOUT_MS, input: `${JSON.stringify(document)}\n` });
  if (result.code === 0) return { ok: true };
  const detail = result.stderr.trim().split('\n').at(-1) ?? '';
  return { ok: false, error: `notify hook ${describeEnd(result, NOTIFY_TIMEOUT_MS)}${detail ? `: ${detail}` : ''}` };
}
