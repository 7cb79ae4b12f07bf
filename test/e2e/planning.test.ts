import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { mcp, sandbox, sh, status, taskOf, type Sandbox } from './harness.js';

const widgetPlan = {
  objective: 'ignored: mcp keeps the user objective',
  tasks: [
    { id: 'header', title: 'Write the header', prompt: 'WRITE_HEADER', command: null, dependsOn: [], acceptance: 'header.txt exists' },
    { id: 'body', title: 'Write the body', prompt: 'WRITE_BODY', command: null, dependsOn: [], acceptance: null },
    { id: 'page', title: 'Assemble', prompt: 'ASSEMBLE_PAGE', command: null, dependsOn: ['header', 'body'], acceptance: null },
  ],
};

let sb: Sandbox;

before(async () => {
  sb = await sandbox({
    rules: [
      { match: 'Objective: build the widget page', steps: [{ say: JSON.stringify(widgetPlan) }] },
      { match: 'Objective: fix the answer', steps: [{ say: 'Sure! Here is my plan: step one, step two.' }, { say: JSON.stringify(widgetPlan) }] },
      { match: 'Objective: never a plan', steps: [{ say: '{"tasks": "many"}' }, { say: 'still not JSON' }] },
      { match: 'WRITE_HEADER', steps: [{ exec: 'printf "<h1>Widget</h1>\\n" > header.txt' }, { say: 'header.txt written' }] },
      { match: 'WRITE_BODY', steps: [{ exec: 'printf "<p>body</p>\\n" > body.txt' }, { say: 'body.txt written' }] },
      { match: 'ASSEMBLE_PAGE', steps: [{ exec: 'cat header.txt body.txt > page.html' }, { say: 'page.html assembled' }] },
    ],
  });
});

after(async () => sb.cleanup());

test('mcp plan prints the proposed plan, and --out saves a plan that mcp run --plan accepts', async () => {
  const result = await mcp(['plan', 'build the widget page', '--out', 'widget-plan.json'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /plan v1, 3 tasks/);
  assert.match(result.stdout, /page \(after header, body\): Assemble/);
  const saved = JSON.parse(readFileSync(path.join(sb.project, 'widget-plan.json'), 'utf8')) as { objective: string; tasks: { id: string; command?: unknown }[] };
  assert.equal(saved.objective, 'build the widget page');
  assert.deepEqual(saved.tasks.map((t) => t.id), ['header', 'body', 'page']);
  assert.equal('command' in (saved.tasks[0] ?? {}), false, 'nulls from the planner schema are dropped');
  // The planner ran read-only with the plan schema.
  const planner = sb.model.records().find((r) => r.userText.includes('build the widget page'));
  assert.ok(planner);
  assert.equal(existsSync(path.join(sb.project, '.mcp', 'plans')), true);
});

test('mcp run OBJECTIVE plans, shows the plan, runs it and merges every task into mcp/run-<id>', async () => {
  const result = await mcp(['run', 'build the widget page', '--parallel', '2'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /plan v1, 3 tasks/);
  const json = await status(sb);
  const run = json.runs.at(-1);
  assert.ok(run);
  assert.equal(run.objective, 'build the widget page');
  assert.equal(run.status, 'succeeded');
  const branch = `mcp/run-${run.id}`;
  const files = (await sh(sb.project, `git ls-tree -r --name-only ${branch}`)).split('\n');
  for (const file of ['header.txt', 'body.txt', 'page.html', 'README.md']) assert.ok(files.includes(file), `${file} on ${branch}`);
  assert.equal(await sh(sb.project, `git show ${branch}:page.html`), '<h1>Widget</h1>\n<p>body</p>\n');
  const human = await mcp(['status', run.id], { cwd: sb.project, env: sb.env });
  assert.match(human.stdout, new RegExp(`result: branch ${branch}`));
  assert.match(human.stdout, /3 files changed/);
  // The page task's prompt carried its dependencies' final messages.
  const prompt = readFileSync(path.join(json.stateRoot, 'runs', taskOf(json, 'page').id, 'prompt.md'), 'utf8');
  assert.match(prompt, /header\.txt written/);
  assert.match(prompt, /Acceptance criteria|Overall objective: build the widget page/);
});

test('mcp merge refuses a dirty tree, then brings the result into the current branch', async () => {
  const run = (await status(sb)).runs.at(-1);
  assert.ok(run);
  writeFileSync(path.join(sb.project, 'README.md'), 'local edit\n');
  const refused = await mcp(['merge', run.id], { cwd: sb.project, env: sb.env });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /uncommitted changes/);
  assert.equal(existsSync(path.join(sb.project, 'page.html')), false);
  await sh(sb.project, 'git checkout -- README.md');
  const merged = await mcp(['merge', run.id, '--json'], { cwd: sb.project, env: sb.env });
  assert.equal(merged.code, 0, merged.stderr);
  const answer = JSON.parse(merged.stdout) as { run: string; merged: boolean; message: string };
  assert.deepEqual([answer.run, answer.merged], [run.id, true]);
  assert.match(answer.message, /^merged mcp\/run-\w+ into main$/);
  assert.equal(readFileSync(path.join(sb.project, 'page.html'), 'utf8'), '<h1>Widget</h1>\n<p>body</p>\n');
});

test('an answer that is not a plan gets one corrective re-ask quoting the error', async () => {
  const result = await mcp(['plan', 'fix the answer', '--json'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as { tasks: unknown[] }).tasks.length, 3);
  const asks = sb.model.records().filter((r) => r.userText.includes('Objective: fix the answer'));
  assert.equal(asks.length, 2);
  assert.match(asks[1]?.userText ?? '', /Your answer is not a valid plan: .*not valid JSON/);
});

test('two bad answers end with a clear failure and the raw answers on disk', async () => {
  const result = await mcp(['run', 'never a plan'], { cwd: sb.project, env: sb.env });
  assert.equal(result.code, 1);
  const json = await status(sb);
  const run = json.runs.at(-1);
  assert.equal(run?.status, 'failed');
  assert.match(run?.reason ?? '', /answered twice without a valid plan/);
  const dir = path.join(json.stateRoot, 'run-records', run?.id ?? '', 'plan-1');
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('answer-')).sort(), ['answer-1.md', 'answer-2.md']);
  assert.equal(readFileSync(path.join(dir, 'answer-2.md'), 'utf8').trim(), 'still not JSON');
  assert.match(result.stdout, /answered twice without a valid plan/);
});
