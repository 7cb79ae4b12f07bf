import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../domain/errors.js';
import { CONFIG_FILE_NAME, loadConfig, type McpConfig } from './config.js';

// Property tests: whatever `mcp.config.json` holds, loadConfig returns a config that an
// independent oracle accepts (with the values given and the documented defaults), or a one-line
// ConfigError naming the file. Never another exception.

const SEED = 0x636667;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-config-fuzz-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// Spaces and accents in the path, as on a Windows drive under WSL.
const projectDir = path.join(tmp, 'Mes Projets', 'projé ü ñ');
mkdirSync(projectDir, { recursive: true });
const configFile = path.join(projectDir, CONFIG_FILE_NAME);
const explicitFile = path.join(tmp, 'autre config é.json');

const KEYS = ['allow', 'sensitive', 'parallel', 'taskTimeoutSeconds', 'killGraceSeconds', 'approvals', 'notify'];
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The config the README documents for this JSON value, or null when it must be refused. */
function oracle(data: unknown): McpConfig | null {
  if (!isPlainObject(data)) return null;
  for (const key of Object.keys(data)) if (!KEYS.includes(key)) return null;
  const out: Record<string, unknown> = { allow: [], sensitive: [], killGraceSeconds: 5, approvals: { allow: [], deny: [] } };
  if ('allow' in data) {
    const allow = data.allow;
    if (!Array.isArray(allow)) return null;
    for (const name of allow) {
      if (typeof name !== 'string' || name.length === 0) return null;
      for (const ch of name) if (!NAME_CHARS.includes(ch)) return null;
    }
    out.allow = allow;
  }
  if ('sensitive' in data) {
    const sensitive = data.sensitive;
    if (!Array.isArray(sensitive) || !sensitive.every((s) => typeof s === 'string' && s.length > 0)) return null;
    out.sensitive = sensitive;
  }
  if ('parallel' in data) {
    const p = data.parallel;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 64) return null;
    out.parallel = p;
  }
  if ('taskTimeoutSeconds' in data) {
    const t = data.taskTimeoutSeconds;
    if (typeof t !== 'number' || !Number.isFinite(t) || !(t > 0) || t > 7 * 24 * 3600) return null;
    out.taskTimeoutSeconds = t;
  }
  if ('killGraceSeconds' in data) {
    const k = data.killGraceSeconds;
    if (typeof k !== 'number' || !Number.isFinite(k) || k < 0 || k > 600) return null;
    out.killGraceSeconds = k;
  }
  if ('approvals' in data) {
    const a = data.approvals;
    if (!isPlainObject(a)) return null;
    const rules: Record<string, string[]> = { allow: [], deny: [] };
    for (const [list, value] of Object.entries(a)) {
      if (list !== 'allow' && list !== 'deny') return null;
      if (!Array.isArray(value)) return null;
      // Each rule is trimmed; a rule of nothing but blanks is refused.
      const trimmed = value.map((v) => (typeof v === 'string' ? v.trim() : null));
      if (trimmed.some((v) => v === null || v.length === 0)) return null;
      rules[list] = trimmed as string[];
    }
    out.approvals = rules;
  }
  if ('notify' in data) {
    const n = data.notify;
    if (!Array.isArray(n) || n.length === 0 || !n.every((s) => typeof s === 'string' && s.length > 0)) return null;
    out.notify = n;
  }
  return out as unknown as McpConfig;
}

type Outcome = { ok: true; config: McpConfig } | { ok: false; message: string };

function load(text: string, explicit: boolean): Outcome {
  const file = explicit ? explicitFile : configFile;
  // Unlinking first is much cheaper than truncating in place (ext4 flushes a truncated file on close).
  rmSync(file, { force: true });
  writeFileSync(file, text);
  try {
    return { ok: true, config: explicit ? loadConfig(projectDir, explicitFile) : loadConfig(projectDir) };
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw new Error(`expected a config or a ConfigError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
    assert.ok(error.message.startsWith(`${file}: `), `message does not start with the file: ${JSON.stringify(error.message.slice(0, 300))}`);
    assert.ok(!error.message.includes('\n'), `message is not one line: ${JSON.stringify(error.message.slice(0, 300))}`);
    assert.equal(error.exitCode, 2);
    return { ok: false, message: error.message };
  }
}

function checkAgainstOracle(data: unknown, result: Outcome): void {
  const expected = oracle(data);
  if (expected === null) {
    assert.equal(result.ok, false, `accepted a config the oracle refuses: ${JSON.stringify(data)}`);
    return;
  }
  assert.ok(result.ok, `refused a valid config: ${result.ok ? '' : result.message}`);
  assert.deepEqual(result.config, expected);
}

// ---------------------------------------------------------------------------------------------
// Generators: mostly valid-looking configs, then wrong types, out-of-range numbers, odd names.

const commandNameArb = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('docker', 'kubectl', 'deno', 'g++', 'python3.12', 'my_tool', 'a-b', '.x', 'NODE') },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9._+-]{1,20}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', ' docker', 'docker ', '/usr/bin/docker', 'a/b', 'rm -rf', 'é', 'a\nb', '\u0000', 'x'.repeat(100_000)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.constant(true)) },
);
const numberArb = fc.oneof(
  fc.integer({ min: -10, max: 100 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 0.5, 1, 1.5, 63, 64, 65, 599.999, 600, 600.001, 604_800, 604_801, 1e308, 5e-324),
  fc.constantFrom('4', null, true, [4], { n: 4 }),
);
const configArb = fc.record(
  {
    allow: fc.oneof({ weight: 5, arbitrary: fc.array(commandNameArb, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
    sensitive: fc.oneof({ weight: 5, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.constant('git push'), fc.constant('')), { maxLength: 3 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
    parallel: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 64 }) }, { weight: 1, arbitrary: numberArb }),
    taskTimeoutSeconds: fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0.001, max: 604_800, noNaN: true }) }, { weight: 1, arbitrary: numberArb }),
    killGraceSeconds: fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0, max: 600, noNaN: true }) }, { weight: 1, arbitrary: numberArb }),
    approvals: fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record(
          {
            allow: fc.array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom('npm ci', ' npm install ', 'git push') }, { weight: 1, arbitrary: fc.constantFrom('', '  ') }), { maxLength: 3 }),
            deny: fc.array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom('git push --force', 'rm -rf /') }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }), { maxLength: 2 }),
          },
          { requiredKeys: [] },
        ),
      },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    ),
    notify: fc.oneof({ weight: 8, arbitrary: fc.array(fc.constantFrom('node', 'notify.js'), { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
    extra: fc.constantFrom('Allow', 'paralel', '__proto__x', 'timeout', ''),
    extraValue: fc.jsonValue({ maxDepth: 1 }),
    withExtra: fc.integer({ min: 0, max: 5 }),
  },
  { requiredKeys: ['withExtra'] },
).map((r) => {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) if (key in r) out[key] = (r as Record<string, unknown>)[key];
  if (r.withExtra === 0 && 'extra' in r && 'extraValue' in r) out[r.extra as string] = r.extraValue;
  return out;
});

test('loadConfig on generated config objects: the oracle decides, and the values come back with the defaults', () => {
  let accepted = 0;
  fc.assert(
    fc.property(configArb, fc.boolean(), fc.boolean(), (data, pretty, explicit) => {
      const result = load(JSON.stringify(data, null, pretty ? 2 : undefined), explicit);
      // JSON turns -0 into 0: compare with what the file really says.
      checkAgainstOracle(JSON.parse(JSON.stringify(data)), result);
      if (result.ok) accepted += 1;
    }),
    { seed: SEED, numRuns: 1500 },
  );
  assert.ok(accepted > 150, `only ${accepted} accepted configs`);
});

test('loadConfig on arbitrary JSON values: the oracle decides', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...KEYS, 'x'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })),
      (data) => {
        const text = JSON.stringify(data);
        checkAgainstOracle(JSON.parse(text), load(text, false));
      },
    ),
    { seed: SEED + 1, numRuns: 1000 },
  );
});

test('loadConfig on arbitrary text (control characters, unicode, truncated JSON, BOM): a config or a ConfigError', () => {
  const textArb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc.json({ maxDepth: 3 }),
    fc.tuple(fc.json({ maxDepth: 2 }), fc.nat()).map(([j, at]) => j.slice(0, at % (j.length + 1))),
    fc.constantFrom('', ' ', '\u0000', '\ufeff{}', '{"allow": ["docker"]}\n\u0000', '['.repeat(50_000), `{"allow":["${'x'.repeat(100_000)}"]}`, '{"parallel": 1e400}'),
  );
  fc.assert(
    fc.property(textArb, fc.boolean(), (text, explicit) => {
      const result = load(text, explicit);
      let data: unknown;
      try {
        // A leading byte-order mark is accepted (Windows editors write one).
        data = JSON.parse(text.replace(/^\uFEFF/, ''));
      } catch {
        assert.ok(!result.ok && result.message.includes(': not valid JSON ('), result.ok ? 'accepted text that is not JSON' : result.message);
        return;
      }
      checkAgainstOracle(data, result);
    }),
    { seed: SEED + 2, numRuns: 1000 },
  );
});

test('a missing config file: defaults without --config, a one-line ConfigError with it', () => {
  const empty = path.join(tmp, 'vide é');
  mkdirSync(empty);
  assert.deepEqual(loadConfig(empty), { allow: [], sensitive: [], killGraceSeconds: 5, approvals: { allow: [], deny: [] } });
  const missing = path.join(empty, 'absent.json');
  assert.throws(
    () => loadConfig(empty, missing),
    (error: unknown) => error instanceof ConfigError && error.message === `${missing}: cannot read the config (ENOENT)`,
  );
});
