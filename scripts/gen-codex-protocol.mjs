#!/usr/bin/env node
// `npm run gen:codex-protocol`: regenerates src/agents/app-server/protocol/ from the pinned
// Codex CLI (`codex app-server generate-ts`, stable surface only, no --experimental).
//
// Two mechanical changes are made to Codex's output, nothing else, so the folder stays the
// exact contract of the pinned version:
// - relative import specifiers get an explicit `.js` (`./v2` becomes `./v2/index.js`): this
//   repository compiles with `moduleResolution: NodeNext`, which refuses extensionless
//   relative imports (TS2835);
// - every `X.ts` becomes `X.d.ts`: the files only declare types (ts-rs output), and as `.ts`
//   they would each compile to an empty module, about 1,600 files of nothing in dist/ and two
//   more seconds of build. As declarations they are not emitted and, with `skipLibCheck`, not
//   checked themselves; every use of them in mcp's code is.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(repo, 'src/agents/app-server/protocol');
const codex = process.env.MCP_CODEX_BIN ?? path.join(repo, 'node_modules/.bin/codex');

const version = spawnSync(codex, ['--version'], { encoding: 'utf8' });
if (version.status !== 0) {
  process.stderr.write(`gen:codex-protocol: cannot run ${codex} --version\n${version.stderr}`);
  process.exit(1);
}
const codexVersion = version.stdout.trim().replace(/^codex-cli\s+/, '');

const work = mkdtempSync(path.join(os.tmpdir(), 'mcp-codex-protocol-'));
const out = path.join(work, 'out');
// An empty CODEX_HOME: the user's config (features, profiles) must not shape the contract.
const generated = spawnSync(codex, ['app-server', 'generate-ts', '--out', out], {
  encoding: 'utf8',
  env: { ...process.env, CODEX_HOME: path.join(work, 'home') },
});
if (generated.status !== 0) {
  process.stderr.write(`gen:codex-protocol: generate-ts failed\n${generated.stderr}`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? files(file) : [file];
  });
}

function withExtension(fromFile, specifier) {
  if (!specifier.startsWith('.') || specifier.endsWith('.js')) return specifier;
  const resolved = path.resolve(path.dirname(fromFile), specifier);
  try {
    if (statSync(resolved).isDirectory()) return `${specifier}/index.js`;
  } catch {
    // not a directory: a module file
  }
  return `${specifier}.js`;
}

let count = 0;
let bytes = 0;
for (const file of files(out)) {
  if (!file.endsWith('.ts')) continue;
  if (file.endsWith('.d.ts')) throw new Error(`gen:codex-protocol: unexpected declaration file ${file}`);
  const text = readFileSync(file, 'utf8').replace(/(\bfrom\s+")(\.[^"]*)(")/g, (_, a, spec, b) => a + withExtension(file, spec) + b);
  if (/^export (const|let|function|class|enum|default)\b/m.test(text)) throw new Error(`gen:codex-protocol: ${file} has runtime code; it cannot become a .d.ts`);
  writeFileSync(file.replace(/\.ts$/, '.d.ts'), text);
  rmSync(file);
  count += 1;
  bytes += Buffer.byteLength(text);
}

writeFileSync(
  path.join(out, 'README.md'),
  `# Codex app-server protocol types (generated)

Generated from the pinned Codex CLI ${codexVersion} by \`npm run gen:codex-protocol\`
(scripts/gen-codex-protocol.mjs), which runs

    codex app-server generate-ts --out <tmp>

with an empty \`CODEX_HOME\` (stable methods only, no \`--experimental\`), then adds \`.js\` to
relative import specifiers (NodeNext module resolution needs them) and renames each \`X.ts\`
to \`X.d.ts\` (they only declare types; as declarations they are not compiled into dist/).

Do not edit by hand: bump @openai/codex in package.json, run the script, and review the diff:
it is the change of contract between mcp and Codex. What mcp relies on is described in docs/codex-app-server.md.
`,
);

rmSync(target, { recursive: true, force: true });
cpSync(out, target, { recursive: true });
rmSync(work, { recursive: true, force: true });
process.stdout.write(`codex ${codexVersion}: ${count} files, ${Math.round(bytes / 1024)} KiB in ${path.relative(repo, target)}\n`);
