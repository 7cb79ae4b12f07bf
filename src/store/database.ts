import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StateRootError } from '../domain/errors.js';

type Db = Database.Database;

/**
 * Migrations in order; `PRAGMA user_version` records how many have run. Append only:
 * a released migration is never edited, so every store on disk can be brought forward.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     objective TEXT NOT NULL,
     status TEXT NOT NULL,
     project TEXT NOT NULL,
     plan_json TEXT NOT NULL,
     plan_version INTEGER NOT NULL DEFAULT 1,
     parallel INTEGER NOT NULL,
     reason TEXT,
     supervisor_pid INTEGER,
     base_commit TEXT,
     result_branch TEXT,
     result_summary TEXT,
     replans INTEGER NOT NULL DEFAULT 0,
     options_json TEXT NOT NULL DEFAULT '{}',
     created_at TEXT NOT NULL,
     started_at TEXT,
     ended_at TEXT
   );
   CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     run_id TEXT NOT NULL REFERENCES runs(id),
     key TEXT NOT NULL,
     position INTEGER NOT NULL,
     plan_version INTEGER NOT NULL DEFAULT 1,
     superseded INTEGER NOT NULL DEFAULT 0,
     title TEXT NOT NULL,
     kind TEXT NOT NULL,
     mode TEXT NOT NULL,
     prompt TEXT,
     command_json TEXT,
     depends_on_json TEXT NOT NULL,
     acceptance TEXT,
     timeout_seconds REAL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     exit_code INTEGER,
     signal TEXT,
     reason TEXT,
     pid INTEGER,
     pid_start TEXT,
     session_id TEXT,
     workspace TEXT,
     branch TEXT,
     started_at TEXT,
     ended_at TEXT,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX tasks_by_run ON tasks(run_id, position);
   CREATE INDEX tasks_by_key ON tasks(key);`,
  // Task times as epoch milliseconds too: `mcp status --json` computes durations in SQL,
  // and parsing two ISO strings a row was a third of its time on 10,000 tasks. The index
  // answers the per-run state counts without reading the table.
  `ALTER TABLE tasks ADD COLUMN started_ms INTEGER;
   ALTER TABLE tasks ADD COLUMN ended_ms INTEGER;
   UPDATE tasks SET started_ms = CAST(round(unixepoch(started_at, 'subsec') * 1000) AS INTEGER) WHERE started_at IS NOT NULL;
   UPDATE tasks SET ended_ms = CAST(round(unixepoch(ended_at, 'subsec') * 1000) AS INTEGER) WHERE ended_at IS NOT NULL;
   CREATE INDEX tasks_live_states ON tasks(superseded, run_id, status);`,
  // The supervisor's start time beside its PID, as supervisor.lock names it: a process
  // given a dead supervisor's PID later must not make that supervisor's runs look held.
  // Runs written before have none, and are told by their PID alone.
  `ALTER TABLE runs ADD COLUMN supervisor_start TEXT;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

const MMAP_BYTES = 256 * 1024 * 1024;

/**
 * better-sqlite3's compiled addon, named to it. Without a name it asks the `bindings`
 * package, which tries a dozen paths first, and which cannot work from inside the bundled
 * CLI (dist/bin). node-gyp and prebuild-install both put it in build/Release.
 */
let addon: string | undefined;
function addonPath(): string {
  if (addon !== undefined) return addon;
  let file = 'better-sqlite3/build/Release/better_sqlite3.node';
  try {
    file = path.join(path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
  } catch {
    /* the package itself is missing: reported below like its addon */
  }
  if (!existsSync(file)) throw new StateRootError(`SQLite cannot be loaded: ${file} is missing`, 'run `npm rebuild better-sqlite3` (needs python3, make, g++)');
  return (addon = file);
}

/** How long a store held by another process (a run writing, or creating it) is waited for. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (and creates or migrates) the store; a corrupt file is reported with the way out.
 * SQLite skips its busy handler where waiting could deadlock: two processes setting up a new
 * store at once (one switching it to WAL while the other migrates it) can get SQLITE_BUSY
 * at once. The one that got it starts over, within the same time as any other wait.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    try {
      return openOnce(file, options);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY' && Date.now() + pause < deadline) {
        sleepSync(pause);
        continue;
      }
      if (options.orReadCopy && cannotWriteBeside(error)) {
        try {
          return openCopy(file);
        } catch {
          /* the copy failed too (an unreadable file): the first error says what is wrong */
        }
      }
      throw storeError(file, error);
    }
  }
}

export interface OpenOptions {
  readonly?: boolean;
  /**
   * For commands that only read: when the store cannot be opened in place because nothing
   * may be written beside it (a read-only mount, another user's state root), read a copy.
   */
  orReadCopy?: boolean;
}

/**
 * SQLite reads a WAL store only through its `-shm` index, which it must create (or write)
 * beside the file: on a read-only directory even a read-only open fails at the first read
 * (SQLITE_CANTOPEN). Its two ways around that are closed to us: the `immutable` URI
 * parameter (better-sqlite3 is built with SQLITE_USE_URI=0 and opens no URI) and exclusive
 * locking mode, which takes a write lock a read-only descriptor cannot hold (IOERR_LOCK).
 */
function cannotWriteBeside(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_READONLY');
}

/**
 * The store as it is on disk, copied (with its WAL, whose commits a copy without it would
 * lose) where SQLite may write, brought to this mcp's schema, and folded back to one file.
 * The copy is unlinked at once: nothing is left behind, and the open descriptor keeps it
 * readable. query_only: a write to it would be lost, so any is refused instead.
 */
function openCopy(file: string): Db {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-store-copy-'));
  try {
    const copy = path.join(dir, path.basename(file));
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    const db = openOnce(copy, {});
    try {
      db.pragma('journal_mode = DELETE');
      db.pragma('query_only = ON');
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openOnce(file: string, options: OpenOptions): Db {
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, nativeBinding: addonPath() });
    // Readers and the supervisor work at once; WAL lets status read while a run writes.
    // First: what follows may meet another process's lock (a run creating the store).
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // Reads straight from the page cache: the first read of a big store (mcp status on
    // 10,000 tasks) no longer copies every page into SQLite's own cache first (a quarter of it).
    db.pragma(`mmap_size = ${MMAP_BYTES}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StateRootError(`${file} has schema version ${version}, newer than this mcp (${SCHEMA_VERSION})`, 'upgrade mcp');
    }
    if (version < SCHEMA_VERSION && !options.readonly) migrate(db);
    return db;
  } catch (error) {
    db?.close();
    throw error;
  }
}

/** What an open that failed tells the user: the way out where there is one. */
function storeError(file: string, error: unknown): unknown {
  if (error instanceof StateRootError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new StateRootError(
      `${file} is corrupt (${code})`,
      'move it aside (mv tasks.db tasks.db.corrupt): store/snapshot.json beside it holds the last known state of every run, and the next `mcp run` starts a new store and keeps that snapshot as store/snapshot-<time>.json',
    );
  }
  if (error instanceof TypeError && /directory does not exist/.test(error.message)) {
    return new StateRootError(`${file}: its directory does not exist`, 'run `mcp run` to create the state root, or check --state-dir');
  }
  if (cannotWriteBeside(error) && !writable(path.dirname(file))) {
    return new StateRootError(`${file} cannot be written: ${path.dirname(file)} is read-only`, 'fix the permissions (or the mount) of the state root; `mcp status` and `mcp logs` can still read it');
  }
  if (code === 'SQLITE_CANTOPEN') return new StateRootError(`${file} cannot be opened`, 'check the state root exists and is writable');
  if (code.startsWith('SQLITE_READONLY')) return new StateRootError(`${file} is read-only`, 'fix the permissions of the state root');
  if (code === 'SQLITE_FULL') return new StateRootError(`${file}: the disk is full`, 'free disk space');
  return error;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Opening is synchronous, and so is its wait before starting over. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function migrate(db: Db): void {
  const run = db.transaction(() => {
    // Read again under the write lock: another process (a status opening the store `mcp run`
    // is creating) may have migrated between the first read and the lock, and running its
    // migrations again would fail on tables that exist.
    const from = db.pragma('user_version', { simple: true }) as number;
    for (let v = from; v < MIGRATIONS.length; v += 1) db.exec(MIGRATIONS[v] ?? '');
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  });
  run.immediate();
}
