import { existsSync, writeFileSync } from 'node:fs';
import { conflictPrompt } from '../agents/task-prompt.js';
import { errorMessage } from '../domain/errors.js';
import { MAX_TASK_KEY_LENGTH } from '../domain/ids.js';
import type { RunEvent } from '../domain/events.js';
import type { TaskState } from '../domain/task-state.js';
import type { RunRecord, TaskRecord } from '../store/records.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { diffStat, markersRemain, prepareConflictWorkspace } from '../workspace/merge.js';
import { patchStat, writeDiff } from '../workspace/patches.js';
import { advanceTo, ensureResultBranch, mergeInto } from '../workspace/result-branch.js';
import { recordTaskStart, taskStart, type RunRepo } from '../workspace/workspace.js';
import { planTasks } from './create-run.js';
import type { RunTasks } from './transitions.js';

export interface MergerDeps {
  root: StateRoot;
  store: TaskStore;
  repo: RunRepo;
  run: () => RunRecord;
  tasks: RunTasks;
  runEvent: (event: RunEvent) => void;
  /** Runs a task written to the store (a conflict resolver) to its end. */
  runResolver: (task: TaskRecord) => Promise<TaskState>;
  /** Keeps the run open while merging goes on. */
  hold: (work: Promise<unknown>) => void;
  /** The result cannot be made: nothing else should start. */
  stall: (reason: string) => void;
}

/**
 * Merges each succeeded task into `mcp/run-<runId>` as soon as it and what it depends on
 * are recorded, in dependency order, one merge at a time. A conflict becomes a Codex task
 * at once (its workspace holds the half-done merge) while other tasks go on; the merges
 * after it wait for it. Outside git the same branch lives in the run's private repository
 * and the result is written as patches for the project.
 */
export class ResultMerger {
  readonly branch: string;
  private readonly waiting: TaskRecord[] = [];
  private readonly merged = new Set<string>();
  private readonly resolvers = new Set<string>();
  /** Tasks that changed no file: merged by name, with no git command. */
  private readonly unchanged = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private started = false;
  private failure: string | null = null;

  constructor(private readonly deps: MergerDeps) {
    this.branch = `mcp/run-${deps.run().id}`;
  }

  /** Why the result could not be made, or null. */
  get failed(): string | null {
    return this.failure;
  }

  /**
   * A task succeeded and its work is committed on its branch. `changed: false`: it changed
   * no file, so its branch holds only what it depends on, merged on their own; no git at all.
   */
  taskSucceeded(task: TaskRecord, changed = true): void {
    if (this.resolvers.has(task.id)) return;
    if (!changed) this.unchanged.add(task.id);
    this.waiting.push(task);
    const step = this.chain.then(() => this.mergeWhatIsReady());
    this.chain = step.catch((error: unknown) => this.fail(`merging task branches failed: ${errorMessage(error)}`));
    this.deps.hold(this.chain);
  }

  private fail(reason: string): void {
    this.failure ??= reason;
    this.deps.stall(reason);
  }

  /**
   * Whatever waits and has every dependency merged, oldest first. After a merge that failed,
   * the others still go in: what depends on the failed one waits for good, and the run
   * branch holds all the work that could be merged (the run fails, and says what is missing).
   */
  private async mergeWhatIsReady(): Promise<void> {
    for (;;) {
      const index = this.waiting.findIndex((t) => t.dependsOn.every((key) => this.merged.has(key) || this.deps.tasks.byKey(key)?.status !== 'succeeded'));
      if (index === -1) return;
      const [task] = this.waiting.splice(index, 1);
      if (task) await this.mergeOne(task);
    }
  }

  private branchOf(task: TaskRecord): string {
    return task.branch ?? `mcp/${task.id}`;
  }

  private async mergeOne(task: TaskRecord): Promise<void> {
    const { repo } = this.deps;
    if (this.unchanged.has(task.id)) {
      this.merged.add(task.key);
      if (repo.private) writeFileSync(this.deps.root.taskFiles(task.id).resultPatch, '');
      return;
    }
    if (!this.started) {
      await ensureResultBranch(repo.top, this.branch, repo.baseCommit);
      this.started = true;
    }
    const source = this.branchOf(task);
    const result = await mergeInto(repo.top, this.branch, source, `mcp: merge ${task.key} (${source})`);
    if (result.kind === 'conflict') {
      const resolved = await this.resolve(task, source, result.files);
      if (!resolved) return;
    }
    this.merged.add(task.key);
    if (repo.private) await this.writeTaskPatch(task, source);
    this.deps.runEvent({ type: 'merged', task: task.key, branch: this.branch });
  }

  /** A conflict becomes a Codex task whose workspace holds the conflict; true once it is resolved. */
  private async resolve(task: TaskRecord, source: string, files: string[]): Promise<boolean> {
    const { repo, store, root } = this.deps;
    const run = this.deps.run();
    const key = this.resolverKey(task);
    const [record] = planTasks(
      run.id,
      { objective: run.objective, tasks: [{ id: key, title: `Resolve the merge conflict of ${task.key}`, prompt: conflictPrompt({ taskKey: task.key, branch: source, files }), dependsOn: [], mode: 'exec' }] },
      run.planVersion,
      new Set(this.deps.tasks.ids()),
      this.deps.tasks.size,
    );
    if (!record) return false;
    this.deps.runEvent({ type: 'merge.conflict', task: task.key, files, resolver: record.key });
    const branch = `mcp/${record.id}`;
    const workspace = root.workspaceDir(record.id);
    const fresh = !existsSync(workspace);
    await prepareConflictWorkspace(repo.top, workspace, branch, this.branch, { step: { taskKey: task.key, branch: source }, files });
    if (repo.private && fresh) await recordTaskStart(repo.top, branch);
    store.addTasks(run.id, [{ ...record, workspace, branch: repo.private ? null : branch }]);
    const stored = store.getTask(record.id);
    if (!stored) return false;
    this.resolvers.add(stored.id);
    const state = await this.deps.runResolver(stored);
    if (state !== 'succeeded') {
      this.fail(`merging ${task.key} into ${this.branch} conflicts in ${files.join(', ')} and the resolver task ${state === 'killed' ? 'was killed' : 'failed'}`);
      return false;
    }
    const left = markersRemain(workspace, files);
    if (left.length > 0) {
      const current = this.deps.tasks.get(stored.id) ?? stored;
      this.deps.tasks.update(current, { reason: `conflict markers remain in ${left.join(', ')}` });
      this.fail(`merging ${task.key}: the resolver left conflict markers in ${left.join(', ')}`);
      return false;
    }
    if (!(await advanceTo(repo.top, this.branch, branch))) {
      this.fail(`merging ${task.key}: the resolver's branch ${branch} does not contain ${this.branch}`);
      return false;
    }
    return true;
  }

  /**
   * The succeeded tasks whose work is not on the run branch (a merge failed, or one it
   * depends on did), in plan order; null when there is no run branch.
   */
  leftOut(): string[] | null {
    if (!this.started) return null;
    return this.deps.tasks
      .current()
      .filter((t) => t.status === 'succeeded' && !this.resolvers.has(t.id) && !this.merged.has(t.key))
      .sort((a, b) => a.position - b.position)
      .map((t) => t.key);
  }

  /**
   * `merge-<task>`, or `merge-<task>-2`, … when the run already has a task of that key (the
   * plan's own, or the resolver of an earlier conflict): status, kill and attach name tasks
   * by key, so two must never share one.
   */
  private resolverKey(task: TaskRecord): string {
    const taken = new Set(this.deps.tasks.all().map((t) => t.key));
    const base = `merge-${task.key}`.slice(0, MAX_TASK_KEY_LENGTH);
    let key = base;
    for (let n = 2; taken.has(key); n += 1) key = `${base.slice(0, MAX_TASK_KEY_LENGTH - String(n).length - 1)}-${n}`;
    return key;
  }

  /** Outside git: the task's own change (from where it started to its branch head). */
  private async writeTaskPatch(task: TaskRecord, branch: string): Promise<void> {
    const start = await taskStart(this.deps.repo.top, branch);
    if (start) await writeDiff(this.deps.repo.top, start, branch, this.deps.root.taskFiles(task.id).resultPatch);
  }

  /**
   * Waits for the merges still going on, then records the result: the branch and its
   * diffstat in a git project; outside git, the run's patch for the project.
   */
  async finish(record: boolean): Promise<void> {
    await this.chain;
    if (!record || this.failure || !this.started) return;
    const { repo, store } = this.deps;
    const run = this.deps.run();
    try {
      if (!repo.private) {
        const summary = await diffStat(repo.top, repo.baseCommit, this.branch);
        store.updateRun(run.id, { resultBranch: this.branch, resultSummary: summary });
        this.deps.runEvent({ type: 'merged', branch: this.branch });
        return;
      }
      const files = this.deps.root.runFiles(run.id);
      await writeDiff(repo.top, repo.baseCommit, this.branch, files.resultPatch);
      const stat = await patchStat(files.resultPatch, files.dir);
      store.updateRun(run.id, { resultBranch: null, resultSummary: `patch ${files.resultPatch}${stat ? `\n${stat}` : ''}` });
      this.deps.runEvent({ type: 'patched', patch: files.resultPatch });
    } catch (error) {
      this.fail(`writing the run's result failed: ${errorMessage(error)}`);
    }
  }
}
