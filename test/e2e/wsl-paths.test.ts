import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mcp, sandbox, writePlan, type Sandbox, type StatusJson } from './harness.js';

// WSL is simulated through WSL_DISTRO_NAME (src/paths/platform.ts): Windows-style paths given to
// --project, --plan and --state-dir must land on the same Linux paths a Linux user would type.

const DISTRO = 'Ubuntu';
const FILE_NAME = 'données é ✓.txt';
const CONTENT = 'héllo wörld — ñ ü 日本 ✓';

function wslEnv(sb: Sandbox): NodeJS.ProcessEnv {
  return { ...sb.env, WSL_DISTRO_NAME: DISTRO };
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/** True when the host itself is WSL (its kernel says so): then drive paths are understood even without WSL_DISTRO_NAME. */
function hostKernelIsWsl(): boolean {
  try {
    return /microsoft|wsl/i.test(readFileSync('/proc/version', 'utf8'));
  } catch {
    return false;
  }
}

describe('a whole run through \\\\wsl.localhost, \\\\wsl$ and //wsl.localhost paths, with spaces and accents', () => {
  let sb: Sandbox;
  let elsewhere: string;
  let linuxState: string;
  let linuxPlan: string;
  let stateArg: string;
  let run: Awaited<ReturnType<typeof mcp>>;

  before(async () => {
    sb = await sandbox(
      {
        rules: [
          {
            match: 'WRITE_UNICODE_FILE',
            steps: [{ exec: `printf '%s' '${CONTENT}' > '${FILE_NAME}'` }, { say: `${FILE_NAME} written` }],
          },
        ],
      },
      { projectName: 'Mes Projets/projé ü ñ' },
    );
    // mcp runs from a directory that has nothing to do with the project: only the flags say where things are.
    elsewhere = path.join(sb.dir, 'ailleurs');
    mkdirSync(elsewhere);
    const planDir = path.join(sb.dir, 'Plans à part');
    mkdirSync(planDir);
    linuxPlan = writePlan(planDir, {
      objective: 'Un fichier accentué, puis sa lecture',
      tasks: [
        { id: 'ecrire', title: 'Écrire', prompt: 'WRITE_UNICODE_FILE now' },
        {
          id: 'lire',
          title: 'Lire',
          command: ['node', '-e', `process.stdout.write('[' + require('fs').readFileSync(${JSON.stringify(FILE_NAME)}, 'utf8') + ']')`],
          dependsOn: ['ecrire'],
        },
        // `cat` is allowed only by the config given through --config: the config was found.
        { id: 'chat', title: 'Cat', command: ['cat', FILE_NAME], dependsOn: ['ecrire'] },
      ],
    });
    const configDir = path.join(sb.dir, 'réglages é');
    mkdirSync(configDir);
    writeFileSync(path.join(configDir, 'mcp config.json'), JSON.stringify({ allow: ['cat'] }));
    // Mixed separators, as Windows tools print them.
    const configArg = `\\\\wsl.localhost\\${DISTRO}${configDir}/mcp config.json`;
    linuxState = path.join(sb.dir, 'state dir é');
    stateArg = `//wsl.localhost/${DISTRO}${linuxState}`;
    const projectArg = `\\\\wsl.localhost\\${DISTRO}${sb.project.replace(/\//g, '\\')}`;
    const planArg = `\\\\wsl$\\${DISTRO}${linuxPlan.replace(/\//g, '\\')}`;
    assert.ok(!projectArg.includes('/') && projectArg.endsWith('\\Mes Projets\\projé ü ñ'), projectArg);
    run = await mcp(['run', '--project', projectArg, '--plan', planArg, '--state-dir', stateArg, '--config', configArg, '--parallel', '1'], {
      cwd: elsewhere,
      env: wslEnv(sb),
    });
  });

  after(async () => sb.cleanup());

  test('the run succeeds and names the Linux state root', () => {
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.ok(run.stdout.includes(`state in ${linuxState}\n`), run.stdout);
    assert.match(run.stdout, /-ecrire\s+succeeded/);
    assert.match(run.stdout, /-lire\s+succeeded/);
    assert.match(run.stdout, /-chat\s+succeeded/);
    assert.equal(run.stderr, '', 'no warning: the project is not on a Windows drive');
  });

  test('status --json with the //wsl.localhost state dir shows every task succeeded', async () => {
    const result = await mcp(['status', '--json', '--state-dir', stateArg], { cwd: elsewhere, env: wslEnv(sb) });
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as StatusJson & { runs: { project: string }[] };
    assert.equal(json.stateRoot, linuxState);
    assert.equal(json.runs.length, 1);
    const [only] = json.runs;
    assert.ok(only);
    assert.equal(only.status, 'succeeded');
    assert.equal(only.project, sb.project);
    assert.deepEqual(
      only.tasks.map((t) => [t.key, t.status, t.exitCode]),
      [
        ['ecrire', 'succeeded', 0],
        ['lire', 'succeeded', 0],
        ['chat', 'succeeded', 0],
      ],
    );
    for (const task of only.tasks) assert.equal(task.workspace, path.join(linuxState, 'runs', task.id, 'workspace'));
    // Windows compares host and distro names without case.
    const upper = await mcp(['status', '--json', '--state-dir', `\\\\WSL$\\ubuntu${linuxState.replace(/\//g, '\\')}`], { cwd: elsewhere, env: wslEnv(sb) });
    assert.equal(upper.code, 0, upper.stderr);
    assert.equal((JSON.parse(upper.stdout) as StatusJson).stateRoot, linuxState);
  });

  test('the files exist under the resolved Linux paths, with their non-ASCII names and content', async () => {
    const result = await mcp(['status', '--json', '--state-dir', stateArg], { cwd: elsewhere, env: wslEnv(sb) });
    const json = JSON.parse(result.stdout) as StatusJson;
    const tasks = json.runs[0]?.tasks ?? [];
    const ecrire = tasks.find((t) => t.key === 'ecrire');
    const lire = tasks.find((t) => t.key === 'lire');
    assert.ok(ecrire && lire);
    assert.ok(statSync(path.join(linuxState, 'store', 'tasks.db')).size > 0);
    assert.equal(readFileSync(path.join(linuxState, 'runs', ecrire.id, 'workspace', FILE_NAME), 'utf8'), CONTENT);
    assert.equal(readFileSync(path.join(linuxState, 'runs', lire.id, 'workspace', FILE_NAME), 'utf8'), CONTENT);
    assert.ok(readFileSync(path.join(linuxState, 'runs', lire.id, 'stdout.log'), 'utf8').includes(`[${CONTENT}]`));
    const chat = tasks.find((t) => t.key === 'chat');
    assert.ok(chat);
    assert.ok(readFileSync(path.join(linuxState, 'runs', chat.id, 'stdout.log'), 'utf8').includes(CONTENT));
    // The work was committed on the task branch of the real project.
    const shown = execFileSync('git', ['show', `mcp/${ecrire.id}:${FILE_NAME}`], { cwd: sb.project, encoding: 'utf8' });
    assert.equal(shown, CONTENT);
    // Nothing was created from an unresolved path: not in the cwd, not in the project.
    assert.deepEqual(readdirSync(elsewhere), []);
    assert.equal(existsSync(path.join(sb.project, '.mcp')), false);
    assert.equal(existsSync(path.join(sb.project, FILE_NAME)), false);
  });
});

describe('a project on the Windows drive (/mnt/c) given as C:\\…', () => {
  const top = `mcp-e2e-${randomBytes(4).toString('hex')}`;
  const mountC = '/mnt/c';
  const linuxTop = path.join(mountC, top);
  const linuxProject = path.join(linuxTop, 'proj é');
  const winProject = `C:\\${top}\\proj é`;
  let createdMountC = false;
  let sb: Sandbox;

  before(async () => {
    createdMountC = !existsSync(mountC);
    mkdirSync(linuxProject, { recursive: true });
    writeFileSync(path.join(linuxProject, 'input.txt'), 'from C:');
    writePlan(linuxProject, {
      tasks: [{ id: 'copy', command: ['node', '-e', "require('fs').writeFileSync('out.txt', require('fs').readFileSync('input.txt', 'utf8') + '!')"] }],
    });
    sb = await sandbox({}, { git: false });
  });

  after(async () => {
    await sb.cleanup();
    rmSync(linuxTop, { recursive: true, force: true });
    if (createdMountC) {
      try {
        rmdirSync(mountC);
      } catch {
        // Someone else put something there meanwhile: leave it.
      }
    }
  });

  test('the run succeeds with exactly one line of warning about the Windows filesystem', async () => {
    const result = await mcp(['run', '--project', winProject, '--plan', `${winProject}\\plan.json`], { cwd: sb.dir, env: wslEnv(sb) });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const errLines = lines(result.stderr);
    assert.equal(errLines.length, 1, result.stderr);
    assert.ok(
      errLines[0]?.startsWith(`mcp: warning: ${linuxProject} is on the Windows filesystem (/mnt/c); `),
      errLines[0],
    );
    assert.equal(lines(result.stdout).filter((l) => /Windows filesystem/.test(l)).length, 0, 'the warning is not repeated on stdout');
    assert.ok(result.stdout.includes(`state in ${path.join(linuxProject, '.mcp')}\n`), result.stdout);
    const status = await mcp(['status', '--json', '--project', winProject], { cwd: sb.dir, env: wslEnv(sb) });
    assert.equal(status.code, 0, status.stderr);
    const json = JSON.parse(status.stdout) as StatusJson;
    assert.equal(json.stateRoot, path.join(linuxProject, '.mcp'));
    // The same project written with a lower-case drive letter and forward slashes.
    const other = await mcp(['status', '--json', '--project', `c:/${top}/proj é/`], { cwd: sb.dir, env: wslEnv(sb) });
    assert.equal(other.code, 0, other.stderr);
    assert.equal((JSON.parse(other.stdout) as StatusJson).stateRoot, path.join(linuxProject, '.mcp'));
    const task = json.runs[0]?.tasks[0];
    assert.equal(task?.status, 'succeeded');
    assert.equal(readFileSync(path.join(json.stateRoot, 'runs', task.id, 'workspace', 'out.txt'), 'utf8'), 'from C:!');
    // Outside git the project itself is not written to.
    assert.deepEqual(readdirSync(linuxProject).sort(), ['.mcp', 'input.txt', 'plan.json']);
  });

  test('mcp doctor reports WSL (Ubuntu) and the warning for the C:\\ project', async () => {
    const result = await mcp(['doctor', '--project', winProject], { cwd: sb.dir, env: wslEnv(sb) });
    const failing = lines(result.stdout).filter((l) => l.startsWith('FAIL'));
    assert.equal(failing.length, 1, result.stdout);
    assert.ok(
      failing[0]?.startsWith(`FAIL  platform     WSL (${DISTRO}); project ${linuxProject}; warning: ${linuxProject} is on the Windows filesystem (/mnt/c); `),
      failing[0],
    );
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const json = await mcp(['doctor', '--json', '--project', winProject], { cwd: sb.dir, env: wslEnv(sb) });
    const doc = JSON.parse(json.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    assert.equal(doc.ok, false);
    const platform = doc.checks.find((c) => c.name === 'platform');
    assert.equal(platform?.ok, false);
    assert.ok(platform.detail.startsWith(`WSL (${DISTRO}); project ${linuxProject}; `), platform.detail);
  });
});

describe('Windows paths outside WSL, and paths into another distro', () => {
  let sb: Sandbox;

  before(async () => {
    sb = await sandbox({});
    writePlan(sb.project, { tasks: [{ id: 'noop', command: ['node', '-e', '0'] }] });
  });

  after(async () => sb.cleanup());

  test('without WSL, --project C:\\Users\\me\\proj is refused in one line (exit 2)', async () => {
    const env = { ...sb.env };
    delete env.WSL_DISTRO_NAME;
    const result = await mcp(['run', '--plan', 'plan.json', '--project', 'C:\\Users\\me\\proj'], { cwd: sb.project, env });
    assert.equal(result.code, 2, result.stderr + result.stdout);
    const errLines = lines(result.stderr);
    assert.equal(errLines.length, 1, result.stderr);
    if (hostKernelIsWsl()) {
      // A real WSL kernel is detected from /proc/version: the path resolves, and does not exist here.
      assert.match(errLines[0] ?? '', /^mcp: project \/mnt\/c\/Users\/me\/proj is not a directory/);
    } else {
      assert.match(errLines[0] ?? '', /^mcp: Windows paths like "C:\\Users\\me\\proj" are only understood under WSL — /);
    }
    assert.equal(existsSync(path.join(sb.project, '.mcp')), false, 'nothing was written');
  });

  test('a \\\\wsl$ path into another distro is refused in one line naming both distros (exit 2)', async () => {
    const result = await mcp(['run', '--plan', 'plan.json', '--project', '\\\\wsl$\\Other\\home'], { cwd: sb.project, env: wslEnv(sb) });
    assert.equal(result.code, 2, result.stderr + result.stdout);
    const errLines = lines(result.stderr);
    assert.equal(errLines.length, 1, result.stderr);
    assert.match(errLines[0] ?? '', /^mcp: path is in WSL distro "Other" but mcp is running in "Ubuntu" — /);
    assert.equal(existsSync(path.join(sb.project, '.mcp')), false, 'nothing was written');
  });
});
