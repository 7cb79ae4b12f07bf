import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exited, mcp, sandbox, sh, startMcp, status, taskOf, waitFor, writePlan, type Sandbox, type StatusJson } from './harness.js';

// `mcp clean` on real runs of command tasks (cheap: no model call), as a user types it.

interface CleanJson {
  stateRoot: string;
  dryRun: boolean;
  runs: string[];
  freedBytes: number;
  counts: { worktrees: number; branches: number; runs: number };
  removed: { kind: string; run: string; task?: string | null; path?: string; branch?: string; bytes?: number }[];
  skipped: { kind: string; run: string; task: string | null; path: string | null; branch: string | null; reason: string; message: string; hint: string | null; flag: string | null }[];
  failed: { kind: string; message: string }[];
}

const write = (file: string, text: string): string[] => ['node', '-e', `require('fs').writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(text)})`];

async function runPlan(sb: Sandbox, name: string, tasks: unknown[], args: string[] = []): Promise<StatusJson['runs'][number]> {
  writePlan(sb.project, { objective: name, tasks }, `${name}.json`);
  const result = await mcp(['run', '--plan', `${name}.json`, '--no-tty', '--max-replans', '0', ...args], { cwd: sb.project, env: sb.env });
  const json = await status(sb);
  const run = json.runs.at(-1);
  assert.ok(run && run.objective === name, `${name}: ${result.stdout}${result.stderr}`);
  return run;
}

async function clean(sb: Sandbox, args: string[], code = 0): Promise<CleanJson> {
  const result = await mcp(['clean', ...args, '--json'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, code, result.stderr + result.stdout);
  return JSON.parse(result.stdout) as CleanJson;
}

/** Real paths git lists as worktrees of the repository at `dir`. */
async function worktrees(dir: string): Promise<string[]> {
  return (await sh(dir, 'git worktree list --porcelain'))
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
}

async function branches(dir: string): Promise<string[]> {
  return (await sh(dir, 'git branch --format="%(refname:short)"')).split('\n').filter(Boolean).sort();
}

function du(dir: string): number {
  return Number(execFileSync('du', ['-s', '-B1', dir], { encoding: 'utf8' }).split('\t')[0]);
}

const workspaceOf = (stateRoot: string, taskId: string): string => path.join(stateRoot, 'runs', taskId, 'workspace');

describe('a git project', () => {
  let sb: Sandbox;
  let stateRoot: string;
  let run: StatusJson['runs'][number];

  before(async () => {
    sb = await sandbox({});
    stateRoot = path.join(sb.project, '.mcp');
    run = await runPlan(sb, 'first', [
      { id: 'alpha', command: write('alpha.txt', 'alpha') },
      { id: 'beta', command: write('beta.txt', 'beta'), dependsOn: ['alpha'] },
      { id: 'noop', command: ['node', '-e', '0'] },
    ]);
    assert.equal(run.status, 'succeeded');
  });
  after(async () => sb.cleanup());

  test('--dry-run changes nothing and lists what a clean removes', async () => {
    const beforeBranches = await branches(sb.project);
    const beforeWorktrees = await worktrees(sb.project);
    const beforeStatus = await status(sb);
    const dry = await clean(sb, ['--dry-run']);
    assert.equal(dry.dryRun, true);
    assert.deepEqual(dry.counts, { worktrees: 3, branches: 3, runs: 0 });
    assert.ok(dry.freedBytes > 0);
    for (const task of run.tasks) assert.ok(existsSync(workspaceOf(stateRoot, task.id)), task.id);
    assert.deepEqual(await branches(sb.project), beforeBranches);
    assert.deepEqual(await worktrees(sb.project), beforeWorktrees);
    assert.deepEqual((await status(sb)).runs, beforeStatus.runs);
    const human = await mcp(['clean', '--dry-run'], { cwd: sb.project, env: sb.env });
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^dry run, nothing changed: would remove 3 worktrees and 3 branches, freeing \d/);
    assert.match(human.stdout, /mcp\/run-\w+ \(the run's result\) is not merged into main — mcp merge \w+ brings it in; --branches deletes it/);
    // doctor counts the worktrees git reads on every add, and which of them are mcp's.
    const doctor = JSON.parse((await mcp(['doctor', '--json'], { cwd: sb.project, env: sb.env })).stdout) as { checks: { name: string; ok: boolean; warn?: boolean; detail: string }[] };
    const check = doctor.checks.find((c) => c.name === 'worktrees');
    assert.deepEqual(check, { name: 'worktrees', ok: true, detail: `3 registered in ${sb.project} (all of them task workspaces in ${path.join(stateRoot, 'runs')})` });
  });

  test('--older-than keeps a run that ended more recently', async () => {
    const kept = await clean(sb, ['--older-than', '7d']);
    assert.deepEqual(kept.removed, []);
    assert.deepEqual(
      kept.skipped.map((s) => [s.kind, s.run, s.reason]),
      [['run', run.id, 'recent']],
    );
    for (const task of run.tasks) assert.ok(existsSync(workspaceOf(stateRoot, task.id)));
  });

  test('a clean removes the worktrees and task branches, prunes git, keeps the unmerged run branch and every log', async () => {
    const bytes = run.tasks.reduce((n, task) => n + du(workspaceOf(stateRoot, task.id)), 0);
    const report = await clean(sb, []);
    assert.deepEqual(report.runs, [run.id]);
    assert.deepEqual(report.counts, { worktrees: 3, branches: 3, runs: 0 });
    // Bytes are what the worktrees held, as du counts them, measured before they went.
    assert.equal(report.freedBytes, bytes);
    assert.deepEqual(report.failed, []);
    for (const task of run.tasks) {
      assert.equal(existsSync(workspaceOf(stateRoot, task.id)), false);
      for (const file of ['stdout.log', 'stderr.log', 'events.ndjson', 'last-message.md']) assert.ok(existsSync(path.join(stateRoot, 'runs', task.id, file)), `${task.id}/${file}`);
    }
    assert.ok(existsSync(path.join(stateRoot, 'run-records', run.id, 'events.ndjson')));
    assert.deepEqual(await worktrees(sb.project), [sb.project]);
    assert.deepEqual(await branches(sb.project), ['main', `mcp/run-${run.id}`]);
    assert.deepEqual(
      report.skipped.map((s) => [s.kind, s.branch, s.reason, s.flag]),
      [['branch', `mcp/run-${run.id}`, 'run-branch-unmerged', '--branches']],
    );
    // The result is intact, and status still shows the run, its workspaces gone.
    assert.equal(await sh(sb.project, `git show mcp/run-${run.id}:beta.txt`), 'beta');
    const json = await status(sb);
    assert.equal(json.runs.length, 1);
    assert.equal(taskOf(json, 'beta').status, 'succeeded');
    assert.equal((json as StatusJson & { disk: { workspaceBytes: number } }).disk.workspaceBytes, 0);
    const human = await mcp(['status', 'beta'], { cwd: sb.project, env: sb.env });
    assert.match(human.stdout, /workspace\s+\S.*\(removed\)/);
    // Again: nothing left to remove.
    assert.deepEqual((await clean(sb, [])).removed, []);
  });

  test('once merged into the current branch the run branch goes too; --logs then forgets the run', async () => {
    const before = await mcp(['status'], { cwd: sb.project, env: sb.env });
    assert.match(before.stdout, new RegExp(`result: branch mcp/run-${run.id} \\(mcp merge ${run.id} to bring it into your branch\\)`));
    const merge = await mcp(['merge', run.id], { cwd: sb.project, env: sb.env });
    assert.equal(merge.code, 0, merge.stderr);
    // Merged, the run's result is no longer offered for merging.
    const after = await mcp(['status'], { cwd: sb.project, env: sb.env });
    assert.match(after.stdout, new RegExp(`result: branch mcp/run-${run.id} \\(merged into your branch\\)`));
    const report = await clean(sb, [run.id]);
    assert.deepEqual(report.removed, [{ kind: 'branch', run: run.id, task: null, branch: `mcp/run-${run.id}` }]);
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(await branches(sb.project), ['main']);

    const logs = await clean(sb, [run.id, '--logs']);
    assert.deepEqual(logs.counts, { worktrees: 0, branches: 0, runs: 1 });
    assert.equal(logs.freedBytes, logs.removed.reduce((n, item) => n + (item.bytes ?? 0), 0));
    for (const task of run.tasks) assert.equal(existsSync(path.join(stateRoot, 'runs', task.id)), false);
    assert.equal(existsSync(path.join(stateRoot, 'run-records', run.id)), false);
    assert.deepEqual((await status(sb)).runs, []);
    const snapshot = JSON.parse(readFileSync(path.join(stateRoot, 'store', 'snapshot.json'), 'utf8')) as { runs: unknown[] };
    assert.deepEqual(snapshot.runs, []);
    const gone = await mcp(['status', run.id], { cwd: sb.project, env: sb.env });
    assert.equal(gone.code, 3);
  });

  test('--branches deletes an unmerged run branch; its task branches then hold the only copy and need --force', async () => {
    const second = await runPlan(sb, 'second', [{ id: 'gamma', command: write('gamma.txt', 'gamma') }]);
    const report = await clean(sb, [second.id, '--branches']);
    assert.ok(report.removed.some((item) => item.branch === `mcp/run-${second.id}`));
    assert.deepEqual(
      report.skipped.map((s) => [s.branch, s.reason, s.flag]),
      [[`mcp/${second.id}-gamma`, 'unmerged', '--force']],
    );
    assert.match(report.skipped[0]?.message ?? '', /1 commit that neither main nor any other branch holds/);
    assert.deepEqual(await branches(sb.project), ['main', `mcp/${second.id}-gamma`]);
    await clean(sb, [second.id, '--force']);
    assert.deepEqual(await branches(sb.project), ['main']);
  });

  test('a dirty worktree and a task branch with its own commits are kept until --force, which removes both', async () => {
    const third = await runPlan(sb, 'third', [
      { id: 'wip', command: ['node', '-e', "require('fs').writeFileSync('wip.txt', 'half done'); process.exit(1)"] },
      { id: 'extra', command: write('extra.txt', 'extra') },
    ], ['--max-attempts', '1']);
    assert.equal(taskOf(await status(sb), 'wip').status, 'failed');
    // Someone went on working in the task's worktree and committed there.
    const extraWs = workspaceOf(stateRoot, `${third.id}-extra`);
    await sh(extraWs, 'echo more > more.txt && git add more.txt && git -c user.name=t -c user.email=t@t commit -qm more');
    const wipWs = workspaceOf(stateRoot, `${third.id}-wip`);

    const kept = await clean(sb, [third.id]);
    assert.deepEqual(
      kept.skipped.map((s) => [s.kind, s.task, s.reason, s.flag]),
      [
        ['worktree', `${third.id}-wip`, 'dirty', '--force'],
        ['branch', `${third.id}-wip`, 'worktree-kept', '--force'],
        ['branch', `${third.id}-extra`, 'unmerged', '--force'],
        ['branch', null, 'run-branch-unmerged', '--branches'],
      ],
    );
    assert.equal(kept.skipped[0]?.message, `runs/${third.id}-wip/workspace has uncommitted changes or untracked files`);
    // The clean worktree went (its work is on its branch); the dirty one holds its file still.
    assert.equal(existsSync(extraWs), false);
    assert.equal(readFileSync(path.join(wipWs, 'wip.txt'), 'utf8'), 'half done');
    assert.ok((await branches(sb.project)).includes(`mcp/${third.id}-extra`));
    const human = await mcp(['clean', third.id], { cwd: sb.project, env: sb.env });
    assert.match(human.stdout, /has uncommitted changes or untracked files — --force removes it with them/);

    const forced = await clean(sb, [third.id, '--force']);
    assert.deepEqual(forced.skipped.map((s) => s.reason), ['run-branch-unmerged']);
    assert.equal(existsSync(wipWs), false);
    assert.deepEqual((await branches(sb.project)).filter((b) => b.includes(third.id)), [`mcp/run-${third.id}`]);
    assert.ok(!(await worktrees(sb.project)).some((dir) => dir.includes(third.id)));
  });

  test("an old state root's result worktree (moved by the layout migration) is removed and pruned from git", async () => {
    const fourth = await runPlan(sb, 'fourth', [{ id: 'delta', command: write('delta.txt', 'delta') }]);
    // What mcp 0.1 left: the run's folder in runs/_runs/ with a worktree of the run branch in it.
    const old = path.join(stateRoot, 'runs', '_runs', fourth.id);
    mkdirSync(path.dirname(old), { recursive: true });
    renameSync(path.join(stateRoot, 'run-records', fourth.id), old);
    await sh(sb.project, `git worktree add -q "${path.join(old, 'result')}" mcp/run-${fourth.id}`);
    const report = await clean(sb, [fourth.id]);
    const result = path.join(stateRoot, 'run-records', fourth.id, 'result');
    assert.ok(report.removed.some((item) => item.kind === 'worktree' && item.path === result), JSON.stringify(report));
    // The branch git still thought checked out in the folder that moved away is free.
    assert.deepEqual(report.skipped.map((s) => s.reason), ['run-branch-unmerged']);
    assert.equal(existsSync(result), false);
    assert.ok(existsSync(path.join(stateRoot, 'run-records', fourth.id, 'events.ndjson')));
    // Git forgot it: neither where it was made nor where it was moved is a worktree any more.
    const listed = await worktrees(sb.project);
    assert.ok(!listed.some((dir) => dir.endsWith(path.join(fourth.id, 'result'))), listed.join('\n'));
    assert.ok(!listed.some((dir) => dir.includes(fourth.id)), listed.join('\n'));
  });
});

describe('refusals', () => {
  let sb: Sandbox;

  before(async () => {
    sb = await sandbox({});
  });
  after(async () => sb.cleanup());

  test('a bad RUN is exit 3, a bad --older-than or RUN with --all exit 2, each in one line', async () => {
    await runPlan(sb, 'seed', [{ id: 'seed', command: ['node', '-e', '0'] }]);
    const unknown = await mcp(['clean', 'rnosuchrun'], { cwd: sb.project, env: sb.env });
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /^mcp: no run "rnosuchrun" in this state root — run `mcp status` to list run ids\n$/);
    for (const bad of ['7', '1w', 'soon', '-3d']) {
      const result = await mcp(['clean', '--older-than', bad], { cwd: sb.project, env: sb.env });
      assert.equal(result.code, 2, bad);
      assert.match(result.stderr, /^mcp: --older-than takes a whole number and a unit, d, h or m \(7d, 12h, 30m\), not ".*"\n$/, bad);
      assert.equal(result.stdout, '');
    }
    const both = await mcp(['clean', 'rnosuchrun', '--all'], { cwd: sb.project, env: sb.env });
    assert.equal(both.code, 2);
    assert.equal(both.stderr.split('\n').filter(Boolean).length, 1);
  });

  test('the completion scripts know clean, its options, and that it takes a run id', async () => {
    const bash = await mcp(['completion', 'bash'], { cwd: sb.project, env: sb.env });
    assert.equal(bash.code, 0);
    assert.match(bash.stdout, /clean\) opts='[^']*--older-than --dry-run --logs --branches --force --json[^']*'; valued='[^']*--older-than[^']*'; args='runs'/);
  });

  test('a running run is refused by name and skipped by --all; a finished one is cleaned meanwhile', async () => {
    const done = await runPlan(sb, 'done', [{ id: 'quick', command: write('quick.txt', 'q') }]);
    writePlan(sb.project, { objective: 'slow', tasks: [{ id: 'slow', command: ['node', '-e', 'setTimeout(() => {}, 60000)'] }] }, 'slow.json');
    const child = startMcp(['run', '--plan', 'slow.json', '--no-tty'], { cwd: sb.project, env: sb.env });
    const gone = exited(child);
    const slow = await waitFor('the slow task to run', async () => {
      const task = (await status(sb)).runs.at(-1)?.tasks.find((t) => t.key === 'slow');
      return task?.status === 'running' ? task : undefined;
    });
    const runId = (await status(sb)).runs.at(-1)?.id ?? '';
    const stateRoot = path.join(sb.project, '.mcp');
    try {
      const named = await mcp(['clean', runId], { cwd: sb.project, env: sb.env });
      assert.equal(named.code, 2);
      assert.match(named.stderr, new RegExp(`^mcp: run ${runId} is running: a running run is never cleaned — stop it with mcp kill ${runId}.*\\n$`));
      for (const force of [[], ['--all', '--force', '--branches', '--logs']]) {
        const all = await clean(sb, force);
        assert.deepEqual(
          all.skipped.filter((s) => s.kind === 'run').map((s) => [s.run, s.reason]),
          [[runId, 'running']],
        );
        assert.ok(!all.removed.some((item) => item.run === runId));
      }
      assert.ok(existsSync(workspaceOf(stateRoot, slow.id)));
      assert.ok((await branches(sb.project)).includes(`mcp/${slow.id}`));
      // The live supervisor answered for what it runs; the finished run was cleaned.
      assert.equal(existsSync(path.join(stateRoot, 'run-records', done.id)), false, 'forgotten by --logs');
    } finally {
      await mcp(['kill', runId], { cwd: sb.project, env: sb.env });
      await gone;
    }
  });
});

describe('a project outside git', () => {
  let sb: Sandbox;
  let stateRoot: string;
  let run: StatusJson['runs'][number];
  let repo: string;

  before(async () => {
    sb = await sandbox({}, { git: false });
    stateRoot = path.join(sb.project, '.mcp');
    run = await runPlan(sb, 'plain', [
      { id: 'one', command: write('one.txt', '1') },
      { id: 'two', command: write('two.txt', '2'), dependsOn: ['one'] },
    ]);
    assert.equal(run.status, 'succeeded');
    repo = path.join(stateRoot, 'run-records', run.id, 'repo');
  });
  after(async () => sb.cleanup());

  test("the private repository's worktrees and task branches go; its base, run branch and the run's patch stay", async () => {
    assert.equal((await worktrees(repo)).length, 3);
    const report = await clean(sb, []);
    assert.deepEqual(report.counts, { worktrees: 2, branches: 2, runs: 0 });
    assert.deepEqual(report.skipped, []);
    for (const task of run.tasks) assert.equal(existsSync(workspaceOf(stateRoot, task.id)), false);
    assert.deepEqual(await worktrees(repo), [repo]);
    assert.deepEqual(await branches(repo), ['mcp/base', `mcp/run-${run.id}`]);
    assert.ok(existsSync(path.join(stateRoot, 'run-records', run.id, 'result.patch')));
  });

  test('--logs keeps a run whose result is not applied to the project, until mcp merge applies it', async () => {
    const refused = await clean(sb, ['--logs']);
    assert.deepEqual(
      refused.skipped.map((s) => [s.kind, s.reason, s.flag]),
      [['logs', 'result-not-applied', '--force']],
    );
    assert.match(refused.skipped[0]?.hint ?? '', new RegExp(`mcp merge ${run.id} applies`));
    assert.ok(existsSync(repo));
    const merge = await mcp(['merge', run.id], { cwd: sb.project, env: sb.env });
    assert.equal(merge.code, 0, merge.stderr);
    assert.equal(readFileSync(path.join(sb.project, 'two.txt'), 'utf8'), '2');
    const forgotten = await clean(sb, ['--logs']);
    assert.deepEqual(forgotten.counts, { worktrees: 0, branches: 0, runs: 1 });
    assert.equal(existsSync(path.join(stateRoot, 'run-records', run.id)), false);
    for (const task of run.tasks) assert.equal(existsSync(path.join(stateRoot, 'runs', task.id)), false);
    assert.deepEqual((await status(sb)).runs, []);
    // The project kept what the run made.
    assert.equal(readFileSync(path.join(sb.project, 'one.txt'), 'utf8'), '1');
  });
});
