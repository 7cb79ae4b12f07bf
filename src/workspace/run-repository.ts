import { appendFileSync, existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { git } from './git.js';

/**
 * Outside git a run gets a repository of its own in the state root: the project is
 * committed there once, and the run then works as in a git project (a worktree per task,
 * branches merged at the end), so tasks' work is combined one way and overlaps surface as
 * conflicts instead of one copy overwriting another.
 */

/** The branch holding the snapshot of the project the run started from. */
export const BASE_BRANCH = 'mcp/base';

/** Hashing a big project (a vendored node_modules, data files) takes a while, as copying it did. */
const SNAPSHOT_TIMEOUT_MS = 30 * 60_000;

/** Appended to the repository's own config (one write instead of a `git config` per key). */
const REPO_CONFIG = [
  // Hooks from the user's global core.hooksPath must not run on mcp's commits and merges.
  '[core]\n\thooksPath = /dev/null',
  // The snapshot holds the project's bytes as they are.
  '\tautocrlf = false',
  // A resolution git recorded earlier must never settle a conflict silently.
  '[rerere]\n\tenabled = false',
  // No background gc while worktrees are being added.
  '[gc]\n\tauto = 0',
].join('\n');

/**
 * Overrides any .gitattributes in the project (info/attributes takes precedence): no line
 * ending conversion, filter (LFS) or re-encoding on the way in or out, so the patch applies
 * to the project's own bytes; default diff and merge, since a `merge=union` would settle an
 * overlap silently.
 */
const NEUTRAL_ATTRIBUTES = '* !eol -text -filter -ident -working-tree-encoding !diff !merge\n';

/**
 * The run's repository at `dir` with the project committed on `mcp/base`; returns that
 * commit. A resumed run finds it made and gets the same commit: the base never moves.
 */
export async function createRunRepository(project: string, stateRoot: string, dir: string): Promise<string> {
  if (existsSync(dir)) return git(dir, ['rev-parse', '--verify', `refs/heads/${BASE_BRANCH}^{commit}`]);
  // Made aside and renamed into place, so `dir` exists only with the whole snapshot in it
  // and is never removed: once tasks have worktrees, it holds their work. A snapshot cut
  // short (the supervisor died in it) is taken again from the start.
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const gitDir = path.join(partial, '.git');
  // No template: the user's init.templateDir may hold hooks.
  await git(partial, ['init', '-q', '--template=', '.']);
  await git(partial, ['symbolic-ref', 'HEAD', `refs/heads/${BASE_BRANCH}`]);
  appendFileSync(path.join(gitDir, 'config'), `${REPO_CONFIG}\n`);
  mkdirSync(path.join(gitDir, 'info'), { recursive: true });
  writeFileSync(path.join(gitDir, 'info', 'attributes'), NEUTRAL_ATTRIBUTES);

  const files = projectFiles(project, stateRoot);
  if (files.length > 0) {
    // update-index rather than `git add`: it takes ignored files and the files of a
    // repository nested in the project alike (add would keep only a gitlink for those),
    // and skips with a warning a path git cannot hold instead of failing the snapshot;
    // --remove: a file deleted since the walk is simply not there.
    await git(project, ['--git-dir', gitDir, '--work-tree', path.resolve(project), 'update-index', '--add', '--remove', '-z', '--stdin'], {
      input: files.map((file) => `${file}\0`).join(''),
      timeoutMs: SNAPSHOT_TIMEOUT_MS,
    });
  }
  const tree = await git(partial, ['write-tree']);
  const commit = await git(partial, ['commit-tree', tree, '-m', `mcp: snapshot of ${project}`]);
  await git(partial, ['update-ref', `refs/heads/${BASE_BRANCH}`, commit]);
  renameSync(partial, dir);
  return commit;
}

/**
 * Every file and symlink of the project, relative to it and sorted: what a copy of the
 * project took. Symlinks are entries of their own, never followed; the state root is left
 * out even when it lives inside the project; `.git` entries are left out because git cannot
 * hold them. Special files (sockets, FIFOs) and empty directories have no place in git.
 */
export function projectFiles(project: string, stateRoot: string): string[] {
  // Compared as real paths: the project and the state root may be named through different symlinks.
  const real = (dir: string): string => {
    try {
      return realpathSync(dir);
    } catch {
      return path.resolve(dir);
    }
  };
  const top = real(project);
  const root = real(stateRoot);
  const inStateRoot = (full: string): boolean => full === root || full.startsWith(root + path.sep);
  const files: string[] = [];
  const pending = [''];
  for (let rel = pending.pop(); rel !== undefined; rel = pending.pop()) {
    for (const entry of readdirSync(path.join(top, rel), { withFileTypes: true })) {
      if (entry.name.toLowerCase() === '.git') continue;
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      // Never through a symlink (those are listed, not followed), so this is the entry's real path.
      if (inStateRoot(path.join(top, relPath))) continue;
      if (entry.isDirectory()) pending.push(relPath);
      else if (entry.isFile() || entry.isSymbolicLink()) files.push(relPath);
    }
  }
  return files.sort();
}
