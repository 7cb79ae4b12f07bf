import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PlanError } from '../domain/errors.js';
import { parsePlanText, planFromAnswer, validatePlan, type Plan } from './plan.js';

// Property tests: whatever a plan file or a planner answer holds, the result is a plan that really
// can run (checked here by an independent checker), or a one-line PlanError naming the source.
// Never another exception. For structured inputs an independent oracle also says which one it must be.

const SEED = 0x6d6370;
const ALLOW = ['git', 'npm', 'node', 'make'];
const SOURCES = ['plan.json', '/tmp/Mes Projets/projé ü ñ/plan.json', 'planner answer (attempt 2)'] as const;
const MAX_TASKS = 5000;
const MAX_PROMPT = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Independent oracle and checker (no regex, no zod: written from docs/plans.md).

const KEY_FIRST = 'abcdefghijklmnopqrstuvwxyz0123456789';
const KEY_REST = `${KEY_FIRST}-`;

function isKey(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 1 || value.length > 48) return false;
  if (!KEY_FIRST.includes(value[0] ?? '')) return false;
  for (let i = 1; i < value.length; i += 1) if (!KEY_REST.includes(value[i] ?? '')) return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown, min: number, max: number): value is string[] {
  return Array.isArray(value) && value.length >= min && value.length <= max && value.every((v) => typeof v === 'string');
}

function optionalString(task: Record<string, unknown>, key: string, min: number, max: number): boolean {
  if (!(key in task)) return true;
  const v = task[key];
  return typeof v === 'string' && v.length >= min && v.length <= max;
}

const TASK_KEYS = new Set(['id', 'title', 'prompt', 'command', 'dependsOn', 'acceptance', 'mode', 'timeoutSeconds']);

/** Kahn's algorithm on the dependencies inside the plan: true when every task can be ordered. */
function acyclic(tasks: { id: string; dependsOn: string[] }[]): boolean {
  const ids = new Set(tasks.map((t) => t.id));
  const remaining = new Map(tasks.map((t) => [t.id, new Set(t.dependsOn.filter((d) => ids.has(d)))]));
  let progressed = true;
  while (progressed && remaining.size > 0) {
    progressed = false;
    for (const [id, deps] of remaining) {
      if ([...deps].every((d) => !remaining.has(d))) {
        remaining.delete(id);
        progressed = true;
      }
    }
  }
  return remaining.size === 0;
}

/** Whether a parsed JSON value is a plan that may run (docs/plans.md). */
function oracleAccepts(data: unknown, allow: readonly string[], external: ReadonlySet<string> = new Set()): boolean {
  if (!isPlainObject(data)) return false;
  for (const key of Object.keys(data)) if (key !== 'objective' && key !== 'tasks') return false;
  if ('objective' in data && !(typeof data.objective === 'string' && data.objective.length <= MAX_PROMPT)) return false;
  const tasks = data.tasks;
  if (!Array.isArray(tasks) || tasks.length < 1 || tasks.length > MAX_TASKS) return false;
  const normal: { id: string; dependsOn: string[] }[] = [];
  for (const task of tasks) {
    if (!isPlainObject(task)) return false;
    for (const key of Object.keys(task)) if (!TASK_KEYS.has(key)) return false;
    if (!isKey(task.id)) return false;
    if (!optionalString(task, 'title', 0, 200)) return false;
    if (!optionalString(task, 'prompt', 1, MAX_PROMPT)) return false;
    if (!optionalString(task, 'acceptance', 0, 10_000)) return false;
    if ('command' in task && !isStringArray(task.command, 1, 1000)) return false;
    if ('dependsOn' in task && !isStringArray(task.dependsOn, 0, MAX_TASKS)) return false;
    if ('dependsOn' in task && new Set(task.dependsOn as string[]).size !== (task.dependsOn as string[]).length) return false;
    if ('mode' in task && task.mode !== 'exec' && task.mode !== 'interactive') return false;
    if ('timeoutSeconds' in task) {
      const t = task.timeoutSeconds;
      if (typeof t !== 'number' || !Number.isFinite(t) || !(t > 0) || t > 7 * 24 * 3600) return false;
    }
    if ('prompt' in task === 'command' in task) return false;
    if ('command' in task) {
      if (!allow.includes((task.command as string[])[0] ?? '')) return false;
      if (task.mode === 'interactive') return false;
    }
    normal.push({ id: task.id, dependsOn: (task.dependsOn as string[] | undefined) ?? [] });
  }
  const ids = new Set(normal.map((t) => t.id));
  if (ids.size !== normal.length) return false;
  for (const t of normal) for (const d of t.dependsOn) if (d === t.id || (!ids.has(d) && !external.has(d))) return false;
  return acyclic(normal);
}

/** A returned plan must be runnable; throws (fails the property) otherwise. */
function checkPlan(plan: Plan, allow: readonly string[], external: ReadonlySet<string> = new Set()): void {
  assert.equal(typeof plan.objective, 'string');
  assert.ok(Array.isArray(plan.tasks) && plan.tasks.length >= 1 && plan.tasks.length <= MAX_TASKS, 'task count');
  const ids = new Set<string>();
  for (const task of plan.tasks) {
    assert.ok(isKey(task.id), `id ${JSON.stringify(task.id)} does not match the pattern`);
    assert.ok(!ids.has(task.id), `duplicate id ${task.id}`);
    ids.add(task.id);
    assert.ok((task.prompt === undefined) !== (task.command === undefined), `task ${task.id}: exactly one of prompt/command`);
    if (task.prompt !== undefined) assert.ok(typeof task.prompt === 'string' && task.prompt.length > 0);
    if (task.command !== undefined) {
      assert.ok(task.command.length >= 1 && allow.includes(task.command[0] ?? ''), `task ${task.id}: command on the allow-list`);
      assert.equal(task.mode, 'exec');
    }
    assert.ok(task.mode === 'exec' || task.mode === 'interactive');
    assert.ok(Array.isArray(task.dependsOn));
    assert.equal(new Set(task.dependsOn).size, task.dependsOn.length, `task ${task.id} lists a dependency twice`);
  }
  for (const task of plan.tasks) {
    for (const dep of task.dependsOn) {
      assert.notEqual(dep, task.id, `task ${task.id} depends on itself`);
      assert.ok(ids.has(dep) || external.has(dep), `task ${task.id}: unknown dependency ${dep}`);
    }
  }
  assert.ok(acyclic(plan.tasks), 'the plan has a cycle');
}

type Outcome = { ok: true; plan: Plan } | { ok: false; message: string };

/** Runs one entry point: a plan, or a one-line PlanError that starts with the source. Anything else fails. */
function outcome(fn: () => Plan, source: string): Outcome {
  try {
    return { ok: true, plan: fn() };
  } catch (error) {
    if (!(error instanceof PlanError)) {
      throw new Error(`expected a plan or a PlanError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
    assert.ok(error.message.startsWith(`${source}: `), `message does not start with the source: ${JSON.stringify(error.message.slice(0, 300))}`);
    assert.ok(!error.message.includes('\n'), `message is not one line: ${JSON.stringify(error.message.slice(0, 300))}`);
    assert.equal(error.exitCode, 2);
    return { ok: false, message: error.message };
  }
}

// ---------------------------------------------------------------------------------------------
// Generators.

const POOL = ['a', 'b', 'c', 'build', 'test-1', '0x'];
const HUGE = 'x'.repeat(100_000);
const oddIds = [
  'a'.repeat(48),
  'a'.repeat(49),
  HUGE,
  '',
  '-a',
  'A',
  'a_b',
  'a b',
  '../x',
  'é',
  'a\n',
  'a\u0000',
  '\u202ea',
  `${'a'.repeat(47)}-`,
  '0',
  '__proto__',
  'constructor',
];
const idArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...POOL) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,47}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...oddIds) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.constantFrom(...POOL), { maxLength: 2 })) },
);
const textArb = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'é\u0000\u001b[31m\r\n', 'x'.repeat(201), 'x'.repeat(200), 'x'.repeat(10_001)) },
);
const commandArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ALLOW), fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { maxLength: 3 })).map(([p, rest]) => [p, ...rest]) },
  { weight: 1, arbitrary: fc.constantFrom([], ['rm', '-rf', '/'], ['/usr/bin/node'], ['Node'], [''], [' node'], ['node', 1], 'node -e 1') },
);
const modeArb = fc.constantFrom('exec', 'interactive', 'batch', 'EXEC', 1, null);
const timeoutArb = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, -1, 0.001, 1, 604_800, 604_800.5, 1e308, '60', null),
);

interface RawTask {
  id: unknown;
  kind: 'prompt' | 'command' | 'both' | 'neither';
  prompt: unknown;
  command: unknown;
  title?: unknown;
  acceptance?: unknown;
  mode?: unknown;
  timeoutSeconds?: unknown;
  deps: number[];
  /** When true, dependencies may point at any task (cycles possible); else only at earlier ones. */
  anyOrder: boolean;
  extraDeps: unknown[];
}

const rawTaskArb: fc.Arbitrary<RawTask> = fc.record(
  {
    id: idArb,
    kind: fc.constantFrom('prompt', 'prompt', 'prompt', 'command', 'command', 'both', 'neither'),
    prompt: fc.oneof({ weight: 8, arbitrary: textArb }, { weight: 1, arbitrary: fc.constantFrom(1, null, ['x']) }),
    command: commandArb,
    title: textArb,
    acceptance: textArb,
    mode: modeArb,
    timeoutSeconds: timeoutArb,
    deps: fc.array(fc.nat(20), { maxLength: 3 }),
    anyOrder: fc.boolean(),
    extraDeps: fc.array(idArb, { maxLength: 2 }),
  },
  { requiredKeys: ['id', 'kind', 'prompt', 'command', 'deps', 'anyOrder', 'extraDeps'] },
);

type Mutation =
  | { op: 'drop'; task: number; field: string }
  | { op: 'rename'; task: number; from: string; to: string }
  | { op: 'duplicate'; task: number }
  | { op: 'set'; task: number; field: string; value: unknown }
  | { op: 'cycle'; task: number; other: number }
  | { op: 'dropTop'; field: 'tasks' | 'objective' }
  | { op: 'setTop'; field: string; value: unknown }
  | { op: 'emptyTasks' };

const FIELDS = ['id', 'title', 'prompt', 'command', 'dependsOn', 'acceptance', 'mode', 'timeoutSeconds'];
const fieldArb = fc.constantFrom(...FIELDS);
const jsonValueArb = fc.jsonValue({ maxDepth: 2 });
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), task: fc.nat(20), field: fieldArb }),
  fc.record({ op: fc.constant('rename' as const), task: fc.nat(20), from: fieldArb, to: fc.constantFrom('depends_on', 'ID', 'Prompt', 'cmd', 'deps', 'dependsOn', 'prompt', 'command') }),
  fc.record({ op: fc.constant('duplicate' as const), task: fc.nat(20) }),
  fc.record({ op: fc.constant('set' as const), task: fc.nat(20), field: fieldArb, value: jsonValueArb }),
  fc.record({ op: fc.constant('cycle' as const), task: fc.nat(20), other: fc.nat(20) }),
  fc.record({ op: fc.constant('dropTop' as const), field: fc.constantFrom('tasks' as const, 'objective' as const) }),
  fc.record({ op: fc.constant('setTop' as const), field: fc.constantFrom('tasks', 'objective', 'version', 'Tasks'), value: jsonValueArb }),
  fc.constant({ op: 'emptyTasks' as const }),
);

function buildPlan(raws: RawTask[], objective: unknown): Record<string, unknown> {
  const ids = raws.map((r) => r.id);
  const tasks = raws.map((raw, i) => {
    const task: Record<string, unknown> = { id: raw.id };
    if (raw.kind === 'prompt' || raw.kind === 'both') task.prompt = raw.prompt;
    if (raw.kind === 'command' || raw.kind === 'both') task.command = raw.command;
    for (const key of ['title', 'acceptance', 'mode', 'timeoutSeconds'] as const) if (key in raw) task[key] = raw[key];
    const choices = raw.anyOrder ? ids : ids.slice(0, i);
    // Mostly distinct, so most plans stay valid; duplicates still come from extraDeps and the cycle op.
    const deps = [...new Set(raw.deps.map((d) => choices[d % Math.max(1, choices.length)]).filter((d) => d !== undefined))];
    if (deps.length > 0 || raw.extraDeps.length > 0) task.dependsOn = [...deps, ...raw.extraDeps];
    return task;
  });
  const plan: Record<string, unknown> = { tasks };
  if (objective !== undefined) plan.objective = objective;
  return plan;
}

function mutate(plan: Record<string, unknown>, mutations: Mutation[]): Record<string, unknown> {
  const out = structuredClone(plan);
  for (const m of mutations) {
    const tasks = Array.isArray(out.tasks) ? (out.tasks as unknown[]) : null;
    const pick = (n: number): Record<string, unknown> | undefined => {
      if (!tasks || tasks.length === 0) return undefined;
      const t = tasks[n % tasks.length];
      return isPlainObject(t) ? t : undefined;
    };
    switch (m.op) {
      case 'drop':
        if (pick(m.task)) delete pick(m.task)?.[m.field];
        break;
      case 'rename': {
        const t = pick(m.task);
        if (t && m.from in t && m.from !== m.to) {
          t[m.to] = t[m.from];
          delete t[m.from];
        }
        break;
      }
      case 'duplicate':
        if (tasks && pick(m.task)) tasks.push(structuredClone(pick(m.task)));
        break;
      case 'set': {
        const t = pick(m.task);
        if (t) t[m.field] = m.value;
        break;
      }
      case 'cycle': {
        const a = pick(m.task);
        const b = pick(m.other);
        if (a && b) {
          a.dependsOn = [...(Array.isArray(a.dependsOn) ? a.dependsOn : []), b.id];
          b.dependsOn = [...(Array.isArray(b.dependsOn) ? b.dependsOn : []), a.id];
        }
        break;
      }
      case 'dropTop':
        delete out[m.field];
        break;
      case 'setTop':
        out[m.field] = m.value;
        break;
      case 'emptyTasks':
        out.tasks = [];
        break;
    }
  }
  return out;
}

/** Tasks with only valid values and unique ids, so that mutations start from a plan that runs. */
const cleanTasksArb: fc.Arbitrary<RawTask[]> = fc
  .uniqueArray(fc.oneof(fc.constantFrom(...POOL, 'deploy', 'z9', 'a'.repeat(48)), fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,47}$/)), { minLength: 1, maxLength: 7 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc.record(
          {
            id: fc.constant<unknown>(id),
            kind: fc.constantFrom<RawTask['kind']>('prompt', 'command'),
            prompt: fc.string({ minLength: 1, maxLength: 30 }),
            command: fc.tuple(fc.constantFrom(...ALLOW), fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 })).map(([p, rest]) => [p, ...rest]),
            title: fc.string({ maxLength: 20 }),
            acceptance: fc.string({ maxLength: 20 }),
            mode: fc.constantFrom<unknown>('exec', 'exec', 'interactive'),
            timeoutSeconds: fc.double({ min: 0.5, max: 604_800, noNaN: true }),
            deps: fc.array(fc.nat(20), { maxLength: 3 }),
            anyOrder: fc.constant(false),
            extraDeps: fc.constant<unknown[]>([]),
          },
          { requiredKeys: ['id', 'kind', 'prompt', 'command', 'deps', 'anyOrder', 'extraDeps'] },
        ),
      ),
    ),
  );

const planDataArb = fc
  .tuple(
    fc.oneof(cleanTasksArb, fc.array(rawTaskArb, { minLength: 1, maxLength: 7 })),
    fc.option(textArb, { nil: undefined }),
    fc.oneof({ weight: 2, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 3, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) }),
  )
  .map(([raws, objective, mutations]) => mutate(buildPlan(raws, objective), mutations));

const sourceArb = fc.constantFrom(...SOURCES);

function inputIds(data: Record<string, unknown>): unknown[] {
  return (data.tasks as Record<string, unknown>[]).map((t) => t.id);
}

// ---------------------------------------------------------------------------------------------
// Properties.

test('validatePlan on mutated plans: accepted exactly when the oracle accepts, and what it returns can run', () => {
  let accepted = 0;
  fc.assert(
    fc.property(planDataArb, sourceArb, (data, source) => {
      const expected = oracleAccepts(data, ALLOW);
      const result = outcome(() => validatePlan(structuredClone(data), source, ALLOW), source);
      assert.equal(result.ok, expected, result.ok ? 'accepted a plan the oracle refuses' : `refused a valid plan: ${result.message}`);
      if (result.ok) {
        accepted += 1;
        checkPlan(result.plan, ALLOW);
        assert.deepEqual(result.plan.tasks.map((t) => t.id), inputIds(data));
      }
    }),
    { seed: SEED, numRuns: 1500 },
  );
  // The generator must reach both outcomes often, or the property proves little.
  assert.ok(accepted > 150, `only ${accepted} accepted plans`);
});

test('parsePlanText on the same plans as JSON text (sometimes padded, sometimes cut): oracle decides', () => {
  let accepted = 0;
  fc.assert(
    fc.property(planDataArb, sourceArb, fc.constantFrom('none', 'pad', 'cut', 'trail'), fc.nat(), (data, source, edit, at) => {
      let text = JSON.stringify(data, null, at % 2 === 0 ? 2 : undefined);
      let parses = true;
      if (edit === 'pad') text = ` \n\t${text}\r\n `;
      if (edit === 'cut') {
        text = text.slice(0, at % text.length);
        parses = false;
      }
      if (edit === 'trail') {
        text = `${text},`;
        parses = false;
      }
      const result = outcome(() => parsePlanText(text, source, ALLOW), source);
      if (!parses) {
        assert.equal(result.ok, false);
        assert.ok(!result.ok && result.message.startsWith(`${source}: not valid JSON (`), !result.ok ? result.message : '');
        return;
      }
      assert.equal(result.ok, oracleAccepts(data, ALLOW), result.ok ? 'accepted' : result.message);
      if (result.ok) {
        accepted += 1;
        checkPlan(result.plan, ALLOW);
      }
    }),
    { seed: SEED + 1, numRuns: 1000 },
  );
  assert.ok(accepted > 50, `only ${accepted} accepted plans`);
});

test('planFromAnswer on the same plans with nulls for absent fields, fenced or not, with external keys', () => {
  let accepted = 0;
  const external = new Set(['done-before', 'b']);
  fc.assert(
    fc.property(planDataArb, sourceArb, fc.boolean(), fc.array(fc.tuple(fc.nat(20), fieldArb), { maxLength: 3 }), (data, source, fenced, nulls) => {
      const withNulls = structuredClone(data);
      if (Array.isArray(withNulls.tasks) && withNulls.tasks.length > 0) {
        for (const [i, field] of nulls) {
          const t = (withNulls.tasks as unknown[])[i % withNulls.tasks.length];
          if (isPlainObject(t) && !(field in t)) t[field] = null;
        }
      }
      const json = JSON.stringify(withNulls, null, 2);
      const answer = fenced ? `\`\`\`json\n${json}\n\`\`\`\n` : `  ${json}\n`;
      const result = outcome(() => planFromAnswer(answer, source, ALLOW, external), source);
      // Nulls inside a task stand for absent fields (the planner's schema makes every field required).
      const meant = structuredClone(withNulls);
      if (Array.isArray(meant.tasks)) {
        for (const t of meant.tasks as unknown[]) if (isPlainObject(t)) for (const k of Object.keys(t)) if (t[k] === null) delete t[k];
      }
      assert.equal(result.ok, oracleAccepts(meant, ALLOW, external), result.ok ? 'accepted' : result.message);
      if (result.ok) {
        accepted += 1;
        checkPlan(result.plan, ALLOW, external);
        for (const task of result.plan.tasks) for (const value of Object.values(task)) assert.notEqual(value, null);
      }
    }),
    { seed: SEED + 2, numRuns: 1000 },
  );
  assert.ok(accepted > 100, `only ${accepted} accepted plans`);
});

test('validatePlan on arbitrary JSON values: oracle decides', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.jsonValue(), fc.record({ tasks: fc.array(fc.dictionary(fc.constantFrom(...FIELDS, 'x'), fc.jsonValue({ maxDepth: 1 })), { maxLength: 4 }) })),
      sourceArb,
      (data, source) => {
        const result = outcome(() => validatePlan(structuredClone(data), source, ALLOW), source);
        assert.equal(result.ok, oracleAccepts(data, ALLOW), result.ok ? 'accepted' : result.message);
        if (result.ok) checkPlan(result.plan, ALLOW);
      },
    ),
    { seed: SEED + 3, numRuns: 1500 },
  );
});

test('validatePlan on arbitrary JavaScript values (undefined, NaN, -0, Infinity, sparse shapes): a runnable plan or a PlanError', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.anything(),
        fc.record({ tasks: fc.array(fc.dictionary(fc.constantFrom(...FIELDS), fc.anything({ maxDepth: 1 })), { maxLength: 3 }), objective: fc.anything({ maxDepth: 1 }) }),
      ),
      sourceArb,
      (data, source) => {
        const result = outcome(() => validatePlan(data, source, ALLOW), source);
        if (result.ok) checkPlan(result.plan, ALLOW);
      },
    ),
    { seed: SEED + 4, numRuns: 1000 },
  );
});

test('parsePlanText and planFromAnswer on arbitrary strings (control characters, unicode, huge): a runnable plan or a PlanError', () => {
  const stringArb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc.json({ maxDepth: 3 }),
    fc.tuple(fc.json({ maxDepth: 2 }), fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })).map(([j, at, s]) => j.slice(0, at % (j.length + 1)) + s + j.slice(at % (j.length + 1))),
    fc.constantFrom('', '\u0000', '\ufeff{"tasks":[{"id":"a","prompt":"p"}]}', '```json\n{"tasks":[]}\n```', '['.repeat(50_000), `{"tasks":[{"id":"${HUGE}","prompt":"p"}]}`),
  );
  fc.assert(
    fc.property(stringArb, sourceArb, (text, source) => {
      const parsed = outcome(() => parsePlanText(text, source, ALLOW), source);
      if (parsed.ok) checkPlan(parsed.plan, ALLOW);
      const answered = outcome(() => planFromAnswer(text, source, ALLOW), source);
      if (answered.ok) checkPlan(answered.plan, ALLOW);
    }),
    { seed: SEED + 5, numRuns: 1500 },
  );
});

test('examples at the edges: 48-character ids, 5,000 tasks in a chain, 5,001 tasks, a long cycle', () => {
  const chain = Array.from({ length: MAX_TASKS }, (_, i) => ({ id: `t${i}`, prompt: 'p', dependsOn: i > 0 ? [`t${i - 1}`] : [] }));
  const plan = validatePlan({ tasks: chain }, 'chain.json', ALLOW);
  checkPlan(plan, ALLOW);
  assert.equal(plan.tasks.length, MAX_TASKS);
  assert.equal(outcome(() => validatePlan({ tasks: [...chain, { id: 'extra', prompt: 'p' }] }, 'big.json', ALLOW), 'big.json').ok, false);
  const cycle = chain.map((t, i) => ({ ...t, dependsOn: [`t${(i + 1) % MAX_TASKS}`] }));
  const result = outcome(() => validatePlan({ tasks: cycle }, 'cycle.json', ALLOW), 'cycle.json');
  assert.ok(!result.ok && result.message.startsWith('cycle.json: dependsOn: cycle '), JSON.stringify(result));
  assert.equal(outcome(() => validatePlan({ tasks: [{ id: 'a'.repeat(48), prompt: 'p' }] }, 'id.json', ALLOW), 'id.json').ok, true);
  assert.equal(outcome(() => validatePlan({ tasks: [{ id: 'a'.repeat(49), prompt: 'p' }] }, 'id.json', ALLOW), 'id.json').ok, false);
});
