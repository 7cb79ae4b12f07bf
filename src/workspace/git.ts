import { runCommand } from '../terminal/run-command.js';

export class GitError extends Error {}

/** Commits made by mcp carry a fixed identity: the user's git config may have none. */
const IDENTITY = ['-c', 'user.name=mcp', '-c', 'user.email=mcp@localhost', '-c', 'commit.gpgsign=false'];

/** `input` is written to git's stdin (for `--stdin` modes). */
export async function git(cwd: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const result = await runCommand(['git', ...IDENTITY, ...args], { cwd, ...options });
  if (result.code !== 0) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
    throw new GitError(`git ${args.join(' ')} failed: ${detail}`);
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
  const top = await tryGit(dir, ['rev-parse', '--show-toplevel']);
  if (!top) return null;
  const head = await tryGit(dir, ['rev-parse', '--verify', 'HEAD^{commit}']);
  return head ? { top, head } : null;
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
