import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { PlanError } from '../domain/errors.js';
import { loadPlanFile, MAX_PLAN_FILE_BYTES, parsePlanText, planFromAnswer, topologicalOrder, validatePlan } from './plan.js';

const ALLOW = ['git', 'npm', 'node'];
const SOURCE = 'plan.json';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-plan-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `fn`, which must throw a one-line PlanError starting with `source: `; returns the message. */
function planError(fn: () => unknown, source = SOURCE): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof PlanError, `expected a PlanError, got ${String(caught)}`);
  assert.equal(caught.name, 'PlanError');
  assert.equal(caught.exitCode, 2);
  assert.ok(caught.message.startsWith(`${source}: `), `message must start with the source: ${caught.message}`);
  assert.ok(!caught.message.includes('\n'), `message must be one line: ${JSON.stringify(caught.message)}`);
  assert.equal(typeof caught.hint, 'string');
  return caught.message;
}

function promptTask(id: string, dependsOn?: string[]): Record<string, unknown> {
  return dependsOn ? { id, prompt: `do ${id}`, dependsOn } : { id, prompt: `do ${id}` };
}

test('validatePlan: a valid plan gets defaults for dependsOn, mode and objective', () => {
  const plan = validatePlan(
    {
      tasks: [
        { id: 'endpoint', title: 'Add GET /health', prompt: 'add it' },
        { id: 'check', command: ['npm', 'test'], dependsOn: ['endpoint'], acceptance: 'passes', timeoutSeconds: 60 },
      ],
    },
    SOURCE,
    ALLOW,
  );
  assert.deepEqual(plan, {
    objective: '',
    tasks: [
      { id: 'endpoint', title: 'Add GET /health', prompt: 'add it', dependsOn: [], mode: 'exec' },
      { id: 'check', command: ['npm', 'test'], dependsOn: ['endpoint'], acceptance: 'passes', timeoutSeconds: 60, mode: 'exec' },
    ],
  });
});

test('validatePlan: interactive mode and objective are kept', () => {
  const plan = validatePlan({ objective: 'Ship it', tasks: [{ id: 'a', prompt: 'p', mode: 'interactive' }] }, SOURCE, ALLOW);
  assert.equal(plan.objective, 'Ship it');
  assert.equal(plan.tasks[0]?.mode, 'interactive');
});

test('validatePlan: a dependency listed twice is refused, naming where', () => {
  const message = planError(() => validatePlan({ tasks: [promptTask('a'), promptTask('b', ['a', 'a'])] }, SOURCE, ALLOW));
  assert.equal(message, 'plan.json: tasks[1].dependsOn[1]: "a" is listed twice');
});

test('validatePlan: duplicate ids are refused', () => {
  const message = planError(() => validatePlan({ tasks: [promptTask('a'), promptTask('b'), promptTask('a')] }, SOURCE, ALLOW));
  assert.equal(message, 'plan.json: tasks[2].id: duplicate task id "a"');
});

test('validatePlan: an unknown dependency is refused', () => {
  const message = planError(() => validatePlan({ tasks: [promptTask('a'), promptTask('b', ['a', 'ghost'])] }, SOURCE, ALLOW));
  assert.equal(message, 'plan.json: tasks[1].dependsOn[1]: unknown task "ghost"');
});

test('validatePlan: a self-dependency is refused', () => {
  const message = planError(() => validatePlan({ tasks: [promptTask('a', ['a'])] }, SOURCE, ALLOW));
  assert.equal(message, 'plan.json: tasks[0].dependsOn[0]: task "a" depends on itself');
});

test('validatePlan: a two-task cycle is named a -> b -> a', () => {
  const message = planError(() => validatePlan({ tasks: [promptTask('a', ['b']), promptTask('b', ['a'])] }, SOURCE, ALLOW));
  assert.equal(message, 'plan.json: dependsOn: cycle a -> b -> a');
});

test('validatePlan: a longer cycle behind a clean task is named from where it starts', () => {
  const message = planError(() =>
    validatePlan({ tasks: [promptTask('root'), promptTask('x', ['root', 'y']), promptTask('y', ['z']), promptTask('z', ['x'])] }, SOURCE, ALLOW),
  );
  assert.equal(message, 'plan.json: dependsOn: cycle x -> y -> z -> x');
});

test('validatePlan: a plan without tasks is refused', () => {
  assert.equal(
    planError(() => validatePlan({ tasks: [] }, SOURCE, ALLOW)),
    'plan.json: tasks: the plan has no tasks',
  );
  assert.match(planError(() => validatePlan({ objective: 'x' }, SOURCE, ALLOW)), /^plan\.json: tasks: /);
  assert.match(planError(() => validatePlan(null, SOURCE, ALLOW)), /^plan\.json: \(top level\): /);
  assert.match(planError(() => validatePlan([], SOURCE, ALLOW)), /^plan\.json: \(top level\): /);
});

test('validatePlan: a command not on the allow-list is refused', () => {
  assert.equal(
    planError(() => validatePlan({ tasks: [{ id: 'wipe', command: ['rm', '-rf', '/'] }] }, SOURCE, ALLOW)),
    'plan.json: tasks[0].command[0]: "rm" is not on the allow-list (git, npm, node)',
  );
  // A path to an allowed name is not the allowed name.
  assert.match(
    planError(() => validatePlan({ tasks: [{ id: 'g', command: ['/usr/bin/git', 'status'] }] }, SOURCE, ALLOW)),
    /^plan\.json: tasks\[0\]\.command\[0\]: "\/usr\/bin\/git" is not on the allow-list/,
  );
  assert.match(planError(() => validatePlan({ tasks: [{ id: 'e', command: [] }] }, SOURCE, ALLOW)), /^plan\.json: tasks\[0\]\.command: /);
});

test('validatePlan: a command task cannot be interactive', () => {
  assert.equal(
    planError(() => validatePlan({ tasks: [{ id: 'c', command: ['git', 'status'], mode: 'interactive' }] }, SOURCE, ALLOW)),
    'plan.json: tasks[0].mode: a command task cannot be interactive',
  );
});

test('validatePlan: both or neither of prompt and command are refused', () => {
  const expected = 'plan.json: tasks[0]: a task needs exactly one of "prompt" or "command"';
  assert.equal(planError(() => validatePlan({ tasks: [{ id: 'a', prompt: 'p', command: ['git'] }] }, SOURCE, ALLOW)), expected);
  assert.equal(planError(() => validatePlan({ tasks: [{ id: 'a', title: 'nothing to do' }] }, SOURCE, ALLOW)), expected);
});

test('validatePlan: bad task ids are refused, a 48-character id is accepted', () => {
  const bad = ['../x', 'A', 'has space', 'a\u0001b', 'a\nb', 'a\n', '', '-a', 'a_b', 'a/b', 'x'.repeat(49), 'é'];
  for (const id of bad) {
    const message = planError(() => validatePlan({ tasks: [{ id, prompt: 'p' }] }, SOURCE, ALLOW));
    assert.match(message, /^plan\.json: tasks\[0\]\.id: must match /, `id ${JSON.stringify(id)}`);
  }
  const long = 'a'.repeat(48);
  assert.equal(validatePlan({ tasks: [{ id: long, prompt: 'p' }] }, SOURCE, ALLOW).tasks[0]?.id, long);
  assert.equal(validatePlan({ tasks: [{ id: '0-a', prompt: 'p' }] }, SOURCE, ALLOW).tasks[0]?.id, '0-a');
});

test('validatePlan: unknown keys are refused and named', () => {
  assert.equal(
    planError(() => validatePlan({ tasks: [promptTask('a')], extra: 1 }, SOURCE, ALLOW)),
    'plan.json: (top level): unknown key "extra"',
  );
  assert.equal(
    planError(() => validatePlan({ tasks: [promptTask('a'), { id: 'b', prompt: 'p', depends_on: ['a'], cwd: '/' }] }, SOURCE, ALLOW)),
    'plan.json: tasks[1]: unknown keys "depends_on", "cwd"',
  );
  // A key with a newline in it is quoted, so the message stays one line.
  assert.equal(
    planError(() => validatePlan({ tasks: [promptTask('a')], 'evil\nkey': 1 }, SOURCE, ALLOW)),
    'plan.json: (top level): unknown key "evil\\nkey"',
  );
});

test('validatePlan: wrong field types are refused with the field path', () => {
  assert.match(planError(() => validatePlan({ tasks: [{ id: 'a', prompt: 'p', dependsOn: 'b' }] }, SOURCE, ALLOW)), /^plan\.json: tasks\[0\]\.dependsOn: /);
  assert.match(planError(() => validatePlan({ tasks: [{ id: 'a', prompt: 'p', mode: 'tui' }] }, SOURCE, ALLOW)), /^plan\.json: tasks\[0\]\.mode: /);
  assert.match(planError(() => validatePlan({ tasks: [{ id: 'a', prompt: '' }] }, SOURCE, ALLOW)), /^plan\.json: tasks\[0\]\.prompt: /);
  assert.match(
    planError(() => validatePlan({ tasks: [{ id: 'a', prompt: 'p', timeoutSeconds: -1 }] }, SOURCE, ALLOW)),
    /^plan\.json: tasks\[0\]\.timeoutSeconds: /,
  );
});

test('parsePlanText: invalid JSON is a PlanError naming the source', () => {
  assert.match(planError(() => parsePlanText('{"tasks": [', 'planner answer', ALLOW), 'planner answer'), /^planner answer: not valid JSON \(/);
  assert.match(planError(() => parsePlanText('', SOURCE, ALLOW)), /^plan\.json: not valid JSON \(/);
  const plan = parsePlanText(JSON.stringify({ tasks: [promptTask('a')] }), SOURCE, ALLOW);
  assert.deepEqual(plan.tasks, [{ id: 'a', prompt: 'do a', dependsOn: [], mode: 'exec' }]);
});

// V8 quotes the input in JSON.parse messages, raw newlines included: the PlanError must not.
test('parsePlanText: invalid multi-line JSON still gives a one-line message', () => {
  planError(() => parsePlanText('{\n  "tasks": [\n    x\n  ]\n}\n', SOURCE, ALLOW));
});

test('loadPlanFile: reads a valid file', () => {
  const file = path.join(tmp, 'ok.json');
  writeFileSync(file, JSON.stringify({ objective: 'o', tasks: [promptTask('a'), { id: 'b', command: ['git', 'status'], dependsOn: ['a'] }] }));
  const plan = loadPlanFile(file, ALLOW);
  assert.deepEqual(
    plan.tasks.map((t) => [t.id, t.dependsOn]),
    [
      ['a', []],
      ['b', ['a']],
    ],
  );
});

test('loadPlanFile: errors start with the file name', () => {
  const file = path.join(tmp, 'cycle.json');
  writeFileSync(file, JSON.stringify({ tasks: [promptTask('a', ['b']), promptTask('b', ['a'])] }));
  assert.equal(planError(() => loadPlanFile(file, ALLOW), file), `${file}: dependsOn: cycle a -> b -> a`);
  const broken = path.join(tmp, 'broken.json');
  writeFileSync(broken, '{"tasks": [');
  assert.match(planError(() => loadPlanFile(broken, ALLOW), broken), /: not valid JSON \(/);
});

test('loadPlanFile: a file over MAX_PLAN_FILE_BYTES is refused before it is read', () => {
  const file = path.join(tmp, 'huge.json');
  writeFileSync(file, Buffer.alloc(MAX_PLAN_FILE_BYTES + 1, 0x20));
  assert.equal(
    planError(() => loadPlanFile(file, ALLOW), file),
    `${file}: ${MAX_PLAN_FILE_BYTES + 1} bytes is over the ${MAX_PLAN_FILE_BYTES}-byte limit for a plan`,
  );
});

test('loadPlanFile: a missing file and a directory are refused', () => {
  const missing = path.join(tmp, 'nope.json');
  assert.equal(planError(() => loadPlanFile(missing, ALLOW), missing), `${missing}: cannot read the plan (no such file)`);
  assert.equal(planError(() => loadPlanFile(tmp, ALLOW), tmp), `${tmp}: not a regular file`);
});

test('validatePlan: externalKeys may be depended on without being defined', () => {
  const plan = validatePlan({ tasks: [promptTask('fix', ['done-earlier'])] }, SOURCE, ALLOW, new Set(['done-earlier']));
  assert.deepEqual(plan.tasks[0]?.dependsOn, ['done-earlier']);
  assert.equal(
    planError(() => validatePlan({ tasks: [promptTask('fix', ['other'])] }, SOURCE, ALLOW, new Set(['done-earlier']))),
    'plan.json: tasks[0].dependsOn[0]: unknown task "other"',
  );
});

test('planFromAnswer: fenced JSON and null optional fields are accepted', () => {
  const answer = [
    '```json',
    JSON.stringify({
      objective: 'o',
      tasks: [
        { id: 'a', title: 'A', prompt: 'do a', command: null, dependsOn: [], acceptance: null },
        { id: 'b', title: 'B', prompt: null, command: ['npm', 'test'], dependsOn: ['a'], acceptance: 'green' },
      ],
    }),
    '```',
  ].join('\n');
  const plan = planFromAnswer(answer, 'planner', ALLOW);
  assert.deepEqual(plan, {
    objective: 'o',
    tasks: [
      { id: 'a', title: 'A', prompt: 'do a', dependsOn: [], mode: 'exec' },
      { id: 'b', title: 'B', command: ['npm', 'test'], dependsOn: ['a'], acceptance: 'green', mode: 'exec' },
    ],
  });
  assert.match(planError(() => planFromAnswer('I could not make a plan.', 'planner', ALLOW), 'planner'), /^planner: not valid JSON \(/);
  assert.equal(
    planError(() => planFromAnswer(JSON.stringify({ objective: '', tasks: [{ id: 'a', prompt: null, command: null }] }), 'planner', ALLOW), 'planner'),
    'planner: tasks[0]: a task needs exactly one of "prompt" or "command"',
  );
});

test('topologicalOrder: dependencies come first', () => {
  assert.deepEqual(
    topologicalOrder([
      { id: 'c', dependsOn: ['b'] },
      { id: 'b', dependsOn: ['a'] },
      { id: 'a', dependsOn: [] },
    ]),
    ['a', 'b', 'c'],
  );
  const diamond = topologicalOrder([
    { id: 'd', dependsOn: ['b', 'c'] },
    { id: 'c', dependsOn: ['a'] },
    { id: 'b', dependsOn: ['a'] },
    { id: 'a', dependsOn: [] },
    { id: 'lone', dependsOn: [] },
  ]);
  assert.deepEqual(diamond, ['a', 'b', 'c', 'd', 'lone']);
  assert.deepEqual(topologicalOrder([]), []);
});

test('parsePlanText: a UTF-8 byte-order mark (Windows editors) is accepted', () => {
  const plan = parsePlanText('\uFEFF{"tasks":[{"id":"a","prompt":"x"}]}', 'bom.json', ['git']);
  assert.deepEqual(plan.tasks.map((t) => t.id), ['a']);
});
