#!/usr/bin/env node
// Runs the compiled tests with node's own runner: unit tests (beside the code, under
// dist/src) in parallel, then the end-to-end suite (dist/test/e2e) with limited
// concurrency, since every e2e test drives real codex processes on a 2-core machine.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const only = args.includes('--unit') ? 'unit' : args.includes('--e2e') ? 'e2e' : 'all';

function find(dir) {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) out.push(...find(file));
    else if (name.endsWith('.test.js')) out.push(file);
  }
  return out.sort();
}

function run(files, concurrency) {
  if (files.length === 0) return 0;
  const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit', cwd: root });
  return result.status ?? 1;
}

// Both suites always run, so one failing suite does not hide the other's results.
const unit = only !== 'e2e' ? run(find(path.join(root, 'dist/src')), 2) : 0;
const e2e = only !== 'unit' ? run(find(path.join(root, 'dist/test')), Number(process.env.MCP_E2E_CONCURRENCY ?? 2)) : 0;
process.exit(unit || e2e);
