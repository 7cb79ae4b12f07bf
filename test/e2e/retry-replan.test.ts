import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { events, mcp, sandbox, sh, status, taskOf, writePlan, type Sandbox } from './harness.js';

// The replan rule comes first: a replan prompt also quotes the failed task's prompt.
const REPLAN_MARK = 'A task of the current plan failed';
let sb: Sandbox;

before(async () => {
  sb = await sandbox({
    rules: [
      {
        match: `${REPLAN_MARK} after all its attempts; revise the plan for the work that remains.\n\nObjective: recover`,
        steps: [
          {
            say: JSON.stringify({
              objective: 'recover',
              tasks: [
                { id: 'rescue', title: 'Another way', prompt: 'RESCUE_WORK', command: null, dependsOn: ['solid'], acceptance: null },
                { id: 'finish', title: 'Finish', prompt: 'FINISH_WORK', command: null, dependsOn: ['rescue'], acceptance: null },
              ],
            }),
          },
        ],
      },
      {
        match: `${REPLAN_MARK} after all its attempts; revise the plan for the work that remains.\n\nObjective: stubborn`,
        steps: [{ say: JSON.stringify({ objective: 'stubborn', tasks: [{ id: 'doomed', title: '', prompt: 'DOOMED_WORK', command: null, dependsOn: [], acceptance: null }] }) }],
      },
      { match: 'FLAKY_WORK', failFirst: 2, steps: [{ exec: 'printf fixed > flaky.txt' }, { say: 'flaky.txt written on the third try' }] },
      { match: 'DOOMED_WORK', steps: [{ fail: 500 }] },
      { match: 'SOLID_WORK', steps: [{ exec: 'printf solid > solid.txt' }, { say: 'solid.txt written' }] },
      { match: 'RESCUE_WORK', steps: [{ exec: 'printf rescued > rescued.txt' }, { say: 'rescued.txt written' }] },
      { match: 'FINISH_WORK', steps: [{ exec: 'cat solid.txt rescued.txt > finish.txt' }, { say: 'finish.txt written' }] },
      { match: 'SILENT_WORK', steps: [{ say: 'too late', delayMs: 30_000 }] },
    ],
  });
});

after(async () => sb.cleanup());

test('a task that fails twice succeeds on its third attempt, resuming its Codex session', async () => {
  writePlan(sb.project, { tasks: [{ id: 'flaky', prompt: 'FLAKY_WORK' }] }, 'flaky.json');
  const result = await mcp(['run', '--plan', 'flaky.json', '--retry-backoff', '0.2'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  const json = await status(sb);
  const flaky = taskOf(json, 'flaky');
  assert.equal(flaky.status, 'succeeded');
  assert.equal(flaky.attempts, 3);
  assert.equal(readFileSync(path.join(flaky.workspace ?? '', 'flaky.txt'), 'utf8'), 'fixed');
  const list = events(json.stateRoot, flaky.id);
  const states = list.filter((e) => e.type === 'state').map((e) => e.to);
  // Ready (dependencies done, waiting for a slot) before each attempt; no slot is held during the backoff.
  assert.deepEqual(states, ['ready', 'running', 'retrying', 'ready', 'running', 'retrying', 'ready', 'running', 'succeeded']);
  const resumes = list.filter((e) => e.type === 'resume');
  assert.equal(resumes.length, 2);
  const session = list.find((e) => e.type === 'codex.session')?.sessionId;
  assert.ok(resumes.every((e) => e.sessionId === session), 'the same session is resumed');
  // The resumed turn was told what failed.
  const last = sb.model.records().filter((r) => r.userText.includes('FLAKY_WORK')).at(-1);
  assert.match(last?.userText ?? '', /previous attempt at this task failed \(this is attempt 3 of 3\)/);
  const human = await mcp(['status', 'flaky'], { cwd: sb.project, env: sb.env });
  assert.match(human.stdout, /attempts\s+3/);
});

test('a task that always fails is replanned around, finished tasks are kept, and the run succeeds', async () => {
  writePlan(sb.project, {
    objective: 'recover',
    tasks: [
      { id: 'solid', prompt: 'SOLID_WORK' },
      { id: 'doomed', prompt: 'DOOMED_WORK', dependsOn: ['solid'] },
      { id: 'finish', prompt: 'FINISH_WORK', dependsOn: ['doomed'] },
    ],
  }, 'recover.json');
  const result = await mcp(['run', '--plan', 'recover.json', '--max-attempts', '1'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /replanning after doomed failed \(plan v2\)/);
  const json = await status(sb);
  const run = json.runs.at(-1);
  assert.ok(run);
  assert.equal(run.status, 'succeeded');
  assert.equal(run.planVersion, 2);
  const byKey = (key: string) => run.tasks.filter((t) => t.key === key);
  assert.equal(byKey('solid').length, 1, 'the finished task is not redone');
  assert.equal(byKey('solid')[0]?.attempts, 1);
  assert.equal(byKey('doomed')[0]?.status, 'failed');
  assert.equal(byKey('doomed')[0]?.superseded, true);
  const finishes = byKey('finish');
  assert.equal(finishes.length, 2);
  assert.equal(finishes.find((t) => t.planVersion === 2)?.status, 'succeeded');
  assert.equal(byKey('rescue')[0]?.status, 'succeeded');
  // The ledger told the planner what was done and what failed.
  const ask = sb.model.records().find((r) => r.userText.includes('Objective: recover') && r.userText.includes('A task of the current plan failed'));
  assert.match(ask?.userText ?? '', /solid: done\. Final message: solid\.txt written/);
  assert.match(ask?.userText ?? '', /Failed task: doomed/);
  assert.equal(await sh(sb.project, `git show mcp/run-${run.id}:finish.txt`), 'solidrescued');
});

test('a replan that proposes the same failing task again is a stall: the run fails and says why', async () => {
  writePlan(sb.project, { objective: 'stubborn', tasks: [{ id: 'doomed', prompt: 'DOOMED_WORK' }] }, 'stubborn.json');
  const result = await mcp(['run', '--plan', 'stubborn.json', '--max-attempts', '1'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 1);
  const run = (await status(sb)).runs.at(-1);
  assert.equal(run?.status, 'failed');
  assert.match(run?.reason ?? '', /replanning stalled: plan v2 proposes the failed task doomed again unchanged/);
  assert.match(result.stdout, /replanning stalled/);
});

test('the idle timeout stops a silent attempt and records timed_out', async () => {
  writePlan(sb.project, { tasks: [{ id: 'silent', prompt: 'SILENT_WORK' }] }, 'silent.json');
  const started = Date.now();
  const result = await mcp(['run', '--plan', 'silent.json', '--idle-timeout', '2', '--max-attempts', '1', '--max-replans', '0'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 1);
  assert.ok(Date.now() - started < 20_000, 'stopped long before the model answered');
  const silent = taskOf(await status(sb), 'silent');
  assert.equal(silent.status, 'timed_out');
  assert.match(silent.reason ?? '', /idle timeout: no output for 2 s/);
});
