import { GitError } from '../domain/errors.js';
import { describeEnd, runCommand, type CommandResult } from '../terminal/run-command.js';

export { GitError };

/** Most git work here is local and quick; this bounds a hung one (a lock held by a dead process). */
const GIT_TIMEOUT_MS = 120_000;

/** Commits made by mcp carry a fixed identity: the user's git config may have none. */
const IDENTITY = ['-c', 'user.name=mcp', '-c', 'user.email=mcp@localhost', '-c', 'commit.gpgsign=false'];

/** Git's whole answer, a failure included: for a command that goes on past an error (a `branch -D` of many). */
export function gitResult(cwd: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return runCommand(['git', ...IDENTITY, ...args], { cwd, ...options, timeoutMs: options.timeoutMs ?? GIT_TIMEOUT_MS });
}

/** `input` is written to git's stdin (for `--stdin` modes). */
export async function git(cwd: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? GIT_TIMEOUT_MS;
  const result = await gitResult(cwd, args, { ...options, timeoutMs });
  if (result.code !== 0) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
    const how = result.code === null ? describeEnd(result, timeoutMs) : 'failed';
    throw new GitError(
      `git ${args.join(' ')} ${how}${detail ? `: ${detail}` : ''} (in ${cwd})`,
      result.spawnError ? 'install git (mcp needs it for workspaces and results)' : 'run that git command by hand in that directory to see why; a stale .git/index.lock is a common cause',
    );
  }
  return result.stdout.trim();
}

export async function tryGit(cwd: string, args: string[]): Promise<string | null> {
  try {
    return await git(cwd, args);
  } catch {
    return null;
  }
}

/** The repository top level and its HEAD commit, or null outside git (or before a first commit). */
export async function gitProjectInfo(dir: string): Promise<{ top: string; head: string } | null> {
  // One git for both: it fails alike outside a repository and before a first commit.
  const out = await tryGit(dir, ['rev-parse', '--show-toplevel', '--verify', 'HEAD^{commit}']);
  const [top, head] = out?.split('\n') ?? [];
  return top && head ? { top, head } : null;
}

const repoQueues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` alone among the operations on one repository. Concurrent `git worktree add`
 * in one repository fails now and then with git 2.39 ("failed to read
 * .git/worktrees/…/commondir"), so worktree changes go one at a time.
 */
export function withRepoLock<T>(top: string, fn: () => Promise<T>): Promise<T> {
  const previous = repoQueues.get(top) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  repoQueues.set(top, settled);
  void settled.then(() => {
    if (repoQueues.get(top) === settled) repoQueues.delete(top);
  });
  return next;
}
