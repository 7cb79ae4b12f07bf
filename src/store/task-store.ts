import type Database from 'better-sqlite3';
import { NotFoundError } from '../domain/errors.js';
import { runIdOfTask } from '../domain/ids.js';
import type { RunRecord, RunPatch, TaskPatch, TaskRecord, TaskSummary } from './records.js';
import { openDatabase, type OpenOptions } from './database.js';

type Row = Record<string, unknown>;

const RUN_COLUMNS: Record<keyof RunRecord, string> = {
  id: 'id',
  objective: 'objective',
  status: 'status',
  project: 'project',
  planJson: 'plan_json',
  planVersion: 'plan_version',
  parallel: 'parallel',
  reason: 'reason',
  supervisorPid: 'supervisor_pid',
  supervisorStart: 'supervisor_start',
  baseCommit: 'base_commit',
  resultBranch: 'result_branch',
  resultSummary: 'result_summary',
  replans: 'replans',
  options: 'options_json',
  createdAt: 'created_at',
  startedAt: 'started_at',
  endedAt: 'ended_at',
};

const TASK_COLUMNS: Record<keyof TaskRecord, string> = {
  id: 'id',
  runId: 'run_id',
  key: 'key',
  position: 'position',
  planVersion: 'plan_version',
  superseded: 'superseded',
  title: 'title',
  kind: 'kind',
  mode: 'mode',
  prompt: 'prompt',
  command: 'command_json',
  dependsOn: 'depends_on_json',
  acceptance: 'acceptance',
  timeoutSeconds: 'timeout_seconds',
  status: 'status',
  attempts: 'attempts',
  exitCode: 'exit_code',
  signal: 'signal',
  reason: 'reason',
  pid: 'pid',
  pidStart: 'pid_start',
  sessionId: 'session_id',
  workspace: 'workspace',
  branch: 'branch',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  updatedAt: 'updated_at',
};

/** Task times also stored as epoch milliseconds (see migration 2), kept in step by write(). */
const TASK_MS_COLUMNS: Readonly<Record<string, string>> = { startedAt: 'started_ms', endedAt: 'ended_ms' };

/** Fields stored as JSON text. */
const JSON_FIELDS = new Set<string>(['command', 'dependsOn', 'options']);

function rowToRun(row: Row): RunRecord {
  const out: Record<string, unknown> = {};
  // `?? null`: a store opened read-only is not migrated, and lacks the newer columns.
  for (const [field, column] of Object.entries(RUN_COLUMNS)) out[field] = row[column] ?? null;
  out.options = typeof row.options_json === 'string' ? JSON.parse(row.options_json) : {};
  return out as unknown as RunRecord;
}

function rowToTask(row: Row): TaskRecord {
  const out: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(TASK_COLUMNS)) {
    const value = row[column] ?? null;
    out[field] = JSON_FIELDS.has(field) && typeof value === 'string' ? JSON.parse(value) : value;
  }
  out.superseded = row.superseded === 1;
  return out as unknown as TaskRecord;
}

export type NewTask = Omit<
  TaskRecord,
  'attempts' | 'exitCode' | 'signal' | 'reason' | 'pid' | 'pidStart' | 'sessionId' | 'startedAt' | 'endedAt' | 'superseded'
>;

/** A run's tasks as `mcp status --json` shows them, written by SQLite. */
export interface RunTasksJson {
  json: Buffer;
  /** A task started and not ended: its duration is counted up to now. */
  dependsOnNow: boolean;
}

export interface NewRun {
  run: Pick<RunRecord, 'id' | 'objective' | 'status' | 'project' | 'planJson' | 'parallel' | 'options' | 'createdAt'>;
  tasks: NewTask[];
}

/**
 * The SQLite store of runs and tasks. Writes are synchronous and committed before the
 * caller acts on them, so a crash never leaves an action the store does not know of.
 */
export class TaskStore {
  private readonly listeners: ((runId: string) => void)[] = [];
  /**
   * Statements by their SQL: preparing one costs more than running it, and a run writes the
   * same few updates thousands of times.
   */
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database) {}

  private prepared(sql: string, raw = false): Database.Statement {
    const key = raw ? `raw:${sql}` : sql;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (raw) statement.raw(true);
      this.statements.set(key, statement);
    }
    return statement;
  }

  static open(dbPath: string, options: OpenOptions = {}): TaskStore {
    return new TaskStore(openDatabase(dbPath, options));
  }

  close(): void {
    this.db.close();
  }

  /** Called after every committed change, with the run it changed (the snapshot writer listens). */
  onChange(listener: (runId: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(runId: string): void {
    for (const listener of this.listeners) listener(runId);
  }

  /**
   * Moves when another connection (another mcp process) commits: what this one remembers
   * of the store is stale once it moved.
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  createRun(input: NewRun): void {
    const insertRun = this.prepared(
      `INSERT INTO runs (id, objective, status, project, plan_json, parallel, options_json, created_at)
       VALUES (@id, @objective, @status, @project, @planJson, @parallel, @options, @createdAt)`,
    );
    this.db.transaction(() => {
      insertRun.run({ ...input.run, options: JSON.stringify(input.run.options) });
      this.insertTasks(input.tasks);
    })();
    this.changed(input.run.id);
  }

  /** Adds tasks to a run (a replan, a merge-conflict task); the run's plan is updated with them. */
  addTasks(runId: string, tasks: NewTask[], run?: RunPatch): void {
    this.db.transaction(() => {
      this.insertTasks(tasks);
      if (run) this.updateRunRow(runId, run);
    })();
    this.changed(runId);
  }

  private insertTasks(tasks: NewTask[]): void {
    const insert = this.prepared(
      `INSERT INTO tasks (id, run_id, key, position, plan_version, title, kind, mode, prompt, command_json, depends_on_json,
                          acceptance, timeout_seconds, status, workspace, branch, updated_at)
       VALUES (@id, @runId, @key, @position, @planVersion, @title, @kind, @mode, @prompt, @command, @dependsOn,
               @acceptance, @timeoutSeconds, @status, @workspace, @branch, @updatedAt)`,
    );
    for (const task of tasks) {
      insert.run({ ...task, command: task.command ? JSON.stringify(task.command) : null, dependsOn: JSON.stringify(task.dependsOn) });
    }
  }

  private updateRunRow(id: string, patch: RunPatch): void {
    this.write('runs', RUN_COLUMNS, id, patch);
  }

  updateRun(id: string, patch: RunPatch): void {
    this.write('runs', RUN_COLUMNS, id, patch);
    this.changed(id);
  }

  updateTask(id: string, patch: TaskPatch): void {
    this.write('tasks', TASK_COLUMNS, id, { ...patch, updatedAt: new Date().toISOString() }, TASK_MS_COLUMNS);
    this.changed(runIdOfTask(id));
  }

  private write(table: string, columns: Record<string, string>, id: string, patch: Record<string, unknown>, msColumns: Readonly<Record<string, string>> = {}): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [field, value] of Object.entries(patch)) {
      const column = columns[field];
      if (!column || value === undefined) continue;
      sets.push(`${column} = ?`);
      const stored = typeof value === 'boolean' ? Number(value) : value;
      values.push(JSON_FIELDS.has(field) && value !== null ? JSON.stringify(value) : stored);
      const msColumn = msColumns[field];
      if (msColumn) {
        sets.push(`${msColumn} = ?`);
        values.push(typeof value === 'string' ? Date.parse(value) : null);
      }
    }
    if (sets.length === 0) return;
    this.prepared(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  /**
   * Forgets a run and every task of it, in one transaction: a reader never sees tasks
   * without their run. False when there was no such run.
   */
  deleteRun(id: string): boolean {
    const deleted = this.db.transaction(() => {
      this.db.prepare('DELETE FROM tasks WHERE run_id = ?').run(id);
      return this.db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
    })();
    if (deleted) this.changed(id);
    return deleted;
  }

  /** The ids of a run's tasks (their folders are `runs/<id>`), from the index alone. */
  taskIds(runId: string): string[] {
    return (this.prepared('SELECT id FROM tasks WHERE run_id = ? ORDER BY position', true).all(runId) as [string][]).map(([id]) => id);
  }

  /** Each run's state and end, without its plan: what disk accounting needs of every run. */
  runStates(): { id: string; status: RunRecord['status']; endedAt: string | null }[] {
    const rows = this.prepared('SELECT id, status, ended_at FROM runs', true).all() as [string, RunRecord['status'], string | null][];
    return rows.map(([id, status, endedAt]) => ({ id, status, endedAt }));
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.prepared('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? rowToRun(row) : undefined;
  }

  listRuns(): RunRecord[] {
    return (this.prepared('SELECT * FROM runs ORDER BY created_at, id').all() as Row[]).map(rowToRun);
  }

  latestRun(): RunRecord | undefined {
    const row = this.prepared('SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT 1').get() as Row | undefined;
    return row ? rowToRun(row) : undefined;
  }

  tasksOf(runId: string): TaskRecord[] {
    return (this.prepared('SELECT * FROM tasks WHERE run_id = ? ORDER BY position').all(runId) as Row[]).map(rowToTask);
  }

  /**
   * Every task's summary, read as raw rows and mapped by hand: `mcp status` on a state root
   * of 10,000 tasks must answer about as fast as the process starts.
   */
  taskSummaries(runId?: string): TaskSummary[] {
    const sql = `SELECT id, run_id, key, title, kind, mode, status, attempts, exit_code, signal, reason, depends_on_json,
                        started_at, ended_at, workspace, branch, session_id, pid, plan_version, superseded, updated_at
                 FROM tasks ${runId ? 'WHERE run_id = ?' : ''} ORDER BY run_id, position`;
    const statement = this.prepared(sql, true);
    const rows = (runId ? statement.all(runId) : statement.all()) as unknown[][];
    return rows.map((r) => ({
      id: r[0] as string,
      runId: r[1] as string,
      key: r[2] as string,
      title: r[3] as string,
      kind: r[4] as TaskSummary['kind'],
      mode: r[5] as TaskSummary['mode'],
      status: r[6] as TaskSummary['status'],
      attempts: r[7] as number,
      exitCode: r[8] as number | null,
      signal: r[9] as string | null,
      reason: r[10] as string | null,
      dependsOn: r[11] === '[]' ? [] : (JSON.parse(r[11] as string) as string[]),
      startedAt: r[12] as string | null,
      endedAt: r[13] as string | null,
      workspace: r[14] as string | null,
      branch: r[15] as string | null,
      sessionId: r[16] as string | null,
      pid: r[17] as number | null,
      planVersion: r[18] as number,
      superseded: r[19] === 1,
      updatedAt: r[20] as string,
    }));
  }

  /** When a task of the run last changed (the latest `updatedAt`), or null for a run with none. */
  lastTaskUpdate(runId: string): string | null {
    const row = this.prepared('SELECT max(updated_at) FROM tasks WHERE run_id = ?', true).get(runId) as [string | null] | undefined;
    return row?.[0] ?? null;
  }

  /**
   * Each run's tasks as the JSON text of views.ts's TaskView[], built by SQLite: on 10,000
   * tasks, making a JS object per row and stringifying it again cost more than the query.
   * `now` is the end of a task still running (epoch ms). Constant JSON (json('true'),
   * json_array()) is computed once per statement; parsing every row's dependsOn was not.
   * Order: the scan follows tasks_by_run (run_id, position), so each run's rows reach the
   * aggregate in plan order; an ORDER BY inside it would sort 10,000 rows again (a third of
   * the query). views.test.ts checks the order on rows inserted out of position order.
   */
  taskViewsJsonByRun(now: number, runId?: string): Map<string, RunTasksJson> {
    // As a BLOB: UTF-8 bytes straight to a Buffer, never decoded into a JS string only to
    // be encoded again on the way out (a fifth of the time on 4 MB). One json() per row for
    // `superseded`, not one per branch of the CASE: a third of the query's time.
    const sql = `SELECT run_id, CAST(json_group_array(json_object(
                   'id', id, 'key', key, 'title', title, 'kind', kind, 'mode', mode, 'status', status, 'attempts', attempts,
                   'exitCode', exit_code, 'signal', signal, 'reason', reason,
                   'dependsOn', CASE depends_on_json WHEN '[]' THEN json_array() ELSE json(depends_on_json) END,
                   'startedAt', started_at, 'endedAt', ended_at,
                   'durationMs', CASE WHEN started_ms IS NULL THEN NULL ELSE max(0, coalesce(ended_ms, CAST(@now AS INTEGER)) - started_ms) END,
                   'workspace', workspace, 'branch', branch, 'sessionId', session_id, 'pid', pid, 'planVersion', plan_version,
                   'superseded', json(CASE WHEN superseded THEN 'true' ELSE 'false' END)
                 )) AS BLOB), max(started_ms IS NOT NULL AND ended_ms IS NULL)
                 FROM tasks INDEXED BY tasks_by_run ${runId ? 'WHERE run_id = @runId' : ''} GROUP BY run_id`;
    const rows = this.prepared(sql, true).all(runId ? { now, runId } : { now }) as [string, Buffer, number][];
    return new Map(rows.map(([id, json, open]) => [id, { json, dependsOnNow: open === 1 }]));
  }

  /** How many live (not superseded) tasks of each run are in each state (from an index alone). */
  taskCountsByRun(runId?: string): Map<string, Map<string, number>> {
    const sql = `SELECT run_id, status, count(*) FROM tasks WHERE superseded = 0 ${runId ? 'AND run_id = ?' : ''} GROUP BY run_id, status`;
    const statement = this.prepared(sql, true);
    const rows = (runId ? statement.all(runId) : statement.all()) as [string, string, number][];
    const out = new Map<string, Map<string, number>>();
    for (const [run, status, count] of rows) {
      const counts = out.get(run) ?? new Map<string, number>();
      counts.set(status, count);
      out.set(run, counts);
    }
    return out;
  }

  allTasks(): TaskRecord[] {
    return (this.prepared('SELECT * FROM tasks ORDER BY run_id, position').all() as Row[]).map(rowToTask);
  }

  getTask(id: string): TaskRecord | undefined {
    const row = this.prepared('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
    return row ? rowToTask(row) : undefined;
  }

  /** A full task id, or a plan key resolved within the latest run that has it. */
  resolveTask(ref: string): TaskRecord {
    const exact = this.getTask(ref);
    if (exact) return exact;
    const row = this
      .prepared(`SELECT t.* FROM tasks t JOIN runs r ON r.id = t.run_id WHERE t.key = ?
                ORDER BY r.created_at DESC, r.id DESC, t.superseded ASC, t.plan_version DESC LIMIT 1`)
      .get(ref) as Row | undefined;
    if (row) return rowToTask(row);
    throw new NotFoundError(`no task ${JSON.stringify(ref)} in this state root`, 'run `mcp status` to list task ids');
  }

  resolveRun(ref: string): RunRecord {
    const run = this.getRun(ref);
    if (run) return run;
    throw new NotFoundError(`no run ${JSON.stringify(ref)} in this state root`, 'run `mcp status` to list run ids');
  }
}
