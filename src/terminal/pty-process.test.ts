import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { isAlive } from './process-info.js';
import { processMasker } from './process-masker.js';
import { PtyProcess, type PtyProcessOptions } from './pty-process.js';

// Read by processMasker() when the first process starts: the secret the masking test prints.
const SECRET = 'tok-3f9a2b7c5d1e8a60';
process.env.MCP_PTY_TEST_TOKEN = SECRET;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-pty-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A program that writes `blocks` numbered blocks (see numberedBlock) of `block` bytes. Each
 * starts with its number, so a reordered or repeated read shows; no "\n", so the PTY passes
 * every byte through unchanged.
 */
function floodScript(blocks: number, block: number, pattern: string): string {
  return `
    const numbered = ${numberedBlock.toString()};
    let n = 0;
    function more() {
      while (n < ${blocks}) {
        if (!process.stdout.write(numbered(n++, ${block}, '${pattern}'))) return process.stdout.once('drain', more);
      }
    }
    more();
  `;
}

let counter = 0;
const PATTERN = 'abcdefghijklmnopqrstuvwxyz0123456789';
function start(argv: string[], extra: Partial<PtyProcessOptions> = {}): { proc: PtyProcess; stdoutLog: string; stderrLog: string } {
  counter += 1;
  const dir = mkdtempSync(path.join(tmp, `t${counter}-`));
  const stdoutLog = path.join(dir, 'stdout.log');
  const stderrLog = path.join(dir, 'stderr.log');
  const proc = new PtyProcess({ argv, cwd: dir, env: process.env, stdoutLog, stderrLog, killGraceMs: 2000, ...extra });
  return { proc, stdoutLog, stderrLog };
}

test('PtyProcess: stdout goes to stdout.log, stderr to stderr.log, the exit code is kept', async () => {
  const { proc, stdoutLog, stderrLog } = start(['sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.ok(proc.pid > 0);
  const exit = await proc.exited;
  assert.deepEqual(exit, { exitCode: 3, signal: null, stoppedBy: null, bytes: 5, logError: null });
  // The PTY turns "\n" into "\r\n".
  assert.equal(readFileSync(stdoutLog, 'utf8'), 'out\r\n');
  assert.equal(readFileSync(stderrLog, 'utf8'), 'err\n');
});

test('PtyProcess: the child runs in the given cwd with the given env', async () => {
  const { proc, stdoutLog } = start(['sh', '-c', 'pwd; echo "$MCP_TEST_VALUE"'], { env: { ...process.env, MCP_TEST_VALUE: 'hé llo' } });
  const exit = await proc.exited;
  assert.equal(exit.exitCode, 0);
  const cwd = realpathSync(path.dirname(stdoutLog));
  assert.equal(readFileSync(stdoutLog, 'utf8'), `${cwd}\r\nhé llo\r\n`);
});

/** A block of `size` bytes of `pattern` that begins with its number; runs in the child too. */
function numberedBlock(n: number, size: number, pattern: string): Buffer {
  const b = Buffer.alloc(size, pattern);
  b.write(String(n).padStart(8, '0'), 0, 'latin1');
  return b;
}

test('PtyProcess: 20 MB of output reaches stdout.log whole, in order, and the byte count matches', async () => {
  const blocks = 320;
  const block = 64 * 1024;
  const size = blocks * block;
  const { proc, stdoutLog } = start([process.execPath, '-e', floodScript(blocks, block, PATTERN)]);
  const exit = await proc.exited;
  assert.equal(exit.exitCode, 0);
  assert.equal(exit.stoppedBy, null);
  const written = statSync(stdoutLog).size;
  assert.equal(exit.bytes, written);
  assert.equal(written, size, `stdout.log has ${written} bytes of ${size}`);
  const content = readFileSync(stdoutLog);
  for (let n = 0; n < blocks; n += 1) {
    assert.ok(content.subarray(n * block, (n + 1) * block).equals(numberedBlock(n, block, PATTERN)), `block ${n} of stdout.log is the block written ${n}th`);
  }
});

test('PtyProcess: chunks given to onData stay whole while another process floods beside it', async () => {
  // A process nobody listens to reads into memory it reuses at once; one with a listener must
  // not: the listener keeps every chunk here, and checks them after both floods are over.
  const blocks = 128;
  const block = 64 * 1024;
  const kept: Buffer[] = [];
  const listened = start([process.execPath, '-e', floodScript(blocks, block, PATTERN)], { onData: (chunk) => kept.push(chunk) });
  const quiet = start([process.execPath, '-e', floodScript(blocks, block, PATTERN.toUpperCase())]);
  const [a, b] = await Promise.all([listened.proc.exited, quiet.proc.exited]);
  assert.equal(a.exitCode, 0);
  assert.equal(b.exitCode, 0);
  const expected = (tag: string): Buffer => Buffer.concat(Array.from({ length: blocks }, (_, n) => numberedBlock(n, block, tag)));
  assert.ok(Buffer.concat(kept).equals(expected(PATTERN)), "onData's chunks are the listened process's output, none overwritten");
  assert.ok(readFileSync(listened.stdoutLog).equals(expected(PATTERN)));
  assert.ok(readFileSync(quiet.stdoutLog).equals(expected(PATTERN.toUpperCase())));
});

test('PtyProcess: a secret in a flood is masked wherever the reads cut it', async () => {
  // Fillers of every length from 0 to 4,098 put the secret across each offset of the 4 KiB
  // pieces a PTY master gives per read, so some occurrences are cut in two (or in three).
  const count = 4099;
  const script = `
    const secret = process.env.MCP_PTY_TEST_TOKEN;
    const parts = [];
    for (let i = 0; i < ${count}; i++) parts.push('x'.repeat(i) + secret);
    const all = Buffer.from(parts.join(''));
    let at = 0;
    (function more() {
      while (at < all.length) {
        const end = Math.min(at + 65536, all.length);
        const ok = process.stdout.write(all.subarray(at, end));
        at = end;
        if (!ok) return process.stdout.once('drain', more);
      }
    })();
  `;
  const { proc, stdoutLog } = start([process.execPath, '-e', script]);
  const exit = await proc.exited;
  assert.equal(exit.exitCode, 0);
  const log = readFileSync(stdoutLog, 'latin1');
  assert.ok(!log.includes(SECRET), 'no occurrence of the secret reached stdout.log');
  let expected = '';
  for (let i = 0; i < count; i += 1) expected += `${'x'.repeat(i)}${processMasker().mask}`;
  assert.equal(log.length, Buffer.byteLength(expected, 'latin1'));
  assert.ok(log === expected, 'stdout.log is the output with each secret masked, nothing else changed');
});

test('PtyProcess: stdinFile content reaches the child', async () => {
  counter += 1;
  const input = path.join(tmp, `stdin-${counter}.txt`);
  writeFileSync(input, 'hello from stdin\nsecond line é\n');
  const { proc, stdoutLog } = start(['cat'], { stdinFile: input });
  const exit = await proc.exited;
  assert.equal(exit.exitCode, 0);
  assert.equal(readFileSync(stdoutLog, 'utf8'), 'hello from stdin\r\nsecond line é\r\n');
});

// GNU tools close stdout explicitly before they exit; with stdin from a file and stderr on
// the FIFO, that was the last handle on the PTY, node-pty closed the master and the
// hangup killed the still-exiting child with SIGHUP (1 run in 6 for `cat`).
test('PtyProcess: a child that closes its stdout before exiting is not killed by the hangup', async () => {
  counter += 1;
  const input = path.join(tmp, `stdin-${counter}.txt`);
  writeFileSync(input, '');
  const { proc } = start(['sh', '-c', 'echo bye; exec 1>&-; sleep 0.3; exit 4'], { stdinFile: input });
  const exit = await proc.exited;
  assert.deepEqual(exit, { exitCode: 4, signal: null, stoppedBy: null, bytes: 5, logError: null });
});

// /dev/full answers every write with ENOSPC, as a full disk would.
test('PtyProcess: a log that cannot be written stops the child, and the exit says why', async () => {
  const startedAt = Date.now();
  const { proc } = start(['sh', '-c', 'echo first words; sleep 30'], { stdoutLog: '/dev/full', killGraceMs: 500 });
  const exit = await proc.exited;
  assert.equal(exit.stoppedBy, 'log_failed');
  assert.equal(exit.signal, 'SIGTERM');
  assert.match(exit.logError ?? '', /^full: ENOSPC: no space left on device/);
  assert.ok(Date.now() - startedAt < 5000, 'stopped at once, not after the sleep');
});

// node-pty joins its exit-watcher thread when the process exits: with a child blocked on a
// PTY nobody reads, a dying mcp used to hang there for as long as the child lived.
test('PtyProcess: a process that exits with children still running ends at once, and so do they', async () => {
  const module = new URL('./pty-process.js', import.meta.url).href;
  const script = `
    import { PtyProcess } from ${JSON.stringify(module)};
    const dir = ${JSON.stringify(tmp)};
    const proc = new PtyProcess({ argv: ['sh', '-c', 'while :; do echo flood; done'], cwd: dir, env: process.env,
      stdoutLog: dir + '/exit-guard.log', stderrLog: dir + '/exit-guard.err', killGraceMs: 60000 });
    proc.term.pause();
    console.log(proc.pid);
    setTimeout(() => process.exit(3), 300);
  `;
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 10_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const pid = Number(out.trim());
  assert.equal(code, 3, 'exited by itself with its own code');
  assert.ok(pid > 0);
  // SIGKILLed on the way out; init reaps the orphan a moment later, on a busy machine not at once.
  for (let i = 0; i < 40 && isAlive(pid); i += 1) await sleep(50);
  assert.equal(isAlive(pid), false, 'the child went with it');
});

test('PtyProcess: onData sees the output', async () => {
  const chunks: Buffer[] = [];
  const { proc } = start(['sh', '-c', 'printf "a\\nb"'], { onData: (chunk) => chunks.push(chunk) });
  await proc.exited;
  assert.equal(Buffer.concat(chunks).toString('utf8'), 'a\r\nb');
});

test('PtyProcess: timeoutMs stops a sleeping child as timed_out', async () => {
  const startedAt = Date.now();
  const { proc } = start(['sleep', '30'], { timeoutMs: 300 });
  const exit = await proc.exited;
  const elapsed = Date.now() - startedAt;
  assert.deepEqual(exit, { exitCode: null, signal: 'SIGTERM', stoppedBy: 'timed_out', bytes: 0, logError: null });
  assert.ok(elapsed >= 250 && elapsed < 2000, `stopped after ${elapsed} ms`);
  assert.equal(isAlive(proc.pid), false);
});

test('PtyProcess: stop("killed") SIGKILLs a child that ignores SIGTERM after killGraceMs', async () => {
  const graceMs = 400;
  let ready: () => void = () => undefined;
  const trapped = new Promise<void>((resolve) => (ready = resolve));
  let seen = '';
  const { proc } = start(['sh', '-c', 'trap "" TERM; echo ready; sleep 30'], {
    killGraceMs: graceMs,
    onData: (chunk) => {
      seen += chunk.toString('utf8');
      if (seen.includes('ready')) ready();
    },
  });
  await trapped;
  const stoppedAt = Date.now();
  proc.stop('killed');
  // A second stop neither restarts the grace period nor changes the reason.
  proc.stop('timed_out');
  const exit = await proc.exited;
  const elapsed = Date.now() - stoppedAt;
  assert.deepEqual(exit, { exitCode: null, signal: 'SIGKILL', stoppedBy: 'killed', bytes: 7, logError: null });
  assert.ok(elapsed >= graceMs - 50 && elapsed < graceMs + 1500, `killed after ${elapsed} ms`);
});

// node-pty destroys its socket 200 ms after the child exits; output still unread then
// (a paused or busy reader) must be drained, not dropped.
test('PtyProcess: output still unread when the child exits reaches stdout.log', async () => {
  const { proc, stdoutLog } = start(['sh', '-c', 'echo last words']);
  const term = (proc as unknown as { term: { pause(): void; resume(): void } }).term;
  term.pause();
  setTimeout(() => term.resume(), 400);
  const exit = await proc.exited;
  assert.equal(readFileSync(stdoutLog, 'utf8'), 'last words\r\n');
  assert.equal(exit.bytes, 12);
});

test('PtyProcess: output left in the kernel PTY buffer at exit is drained too', async () => {
  const { proc, stdoutLog } = start(['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" x']);
  const term = (proc as unknown as { term: { pause(): void; resume(): void } }).term;
  setTimeout(() => term.pause(), 5);
  setTimeout(() => term.resume(), 600);
  const exit = await proc.exited;
  assert.equal(exit.bytes, 300_000);
  assert.equal(readFileSync(stdoutLog, 'latin1'), 'x'.repeat(300_000));
});

test('PtyProcess: output on stderr re-arms the idle timer as output on the PTY does', async () => {
  const script = "let n = 0; const t = setInterval(() => { process.stderr.write('e'); if (++n === 6) clearInterval(t); }, 400);";
  // 2.4 s of stderr only, against an idle limit of 1.5 s (room for node's own start-up).
  const { proc, stderrLog } = start([process.execPath, '-e', script], { idleTimeoutMs: 1500 });
  const exit = await proc.exited;
  assert.equal(exit.stoppedBy, null);
  assert.equal(exit.exitCode, 0);
  assert.equal(readFileSync(stderrLog, 'utf8'), 'eeeeee');
});

test('PtyProcess: children quiet on stderr do not hold the thread pool (other file writes go on)', async () => {
  // libuv has four threads for file work. A blocking read of each child's stderr FIFO took
  // one for the child's whole life: six quiet children and no other write could complete.
  const quiet = Array.from({ length: 6 }, () => start(['sleep', '3']).proc);
  await sleep(300);
  const file = path.join(tmp, 'written-meanwhile');
  // A write takes milliseconds; before the fix it waited for the first child to end (3 s).
  const outcome = await Promise.race([
    writeFile(file, 'x').then(() => 'written'),
    new Promise((resolve) => setTimeout(() => resolve('still waiting after 1.5 s'), 1500)),
  ]);
  assert.equal(outcome, 'written');
  await Promise.all(quiet.map((p) => p.exited));
});

const hasStrace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;

test('PtyProcess: a held process under a tracer (strace) runs as soon as it is released', { skip: !hasStrace && 'strace is not installed' }, async () => {
  const dir = mkdtempSync(path.join(tmp, 'traced-'));
  const mark = path.join(dir, 'ran');
  const { proc } = start(['sh', '-c', 'touch "$0"', mark], { held: true, cwd: dir });
  const tracer = spawn('strace', ['-f', '-o', '/dev/null', '-p', String(proc.pid)], { stdio: 'ignore' });
  try {
    const traced = (): boolean => /^TracerPid:\s*[1-9]/m.test(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
    for (const deadline = Date.now() + 5000; !traced() && Date.now() < deadline; ) await sleep(20);
    assert.ok(traced(), 'strace attached to the held shell');
    // Time for the shell to reach its wait. A hold by SIGSTOP showed as `t` here, not `T`,
    // and its release waited 2 s for a stop it could not see.
    await sleep(300);
    assert.equal(existsSync(mark), false, 'nothing ran while held');
    const released = Date.now();
    proc.release({});
    while (!existsSync(mark) && Date.now() - released < 5000) await sleep(10);
    const took = Date.now() - released;
    assert.ok(existsSync(mark), 'the program ran once released');
    assert.ok(took < 1500, `the program ran ${took} ms after the release`);
    assert.equal((await proc.exited).exitCode, 0);
  } finally {
    tracer.kill();
  }
});

test('PtyProcess: a held process whose supervisor is killed exits without running its program', async () => {
  const dir = mkdtempSync(path.join(tmp, 'orphan-'));
  const mark = path.join(dir, 'ran');
  // A supervisor of its own, killed with SIGKILL: no exit handler of its runs.
  const script = `import { PtyProcess } from ${JSON.stringify(new URL('./pty-process.js', import.meta.url).href)};
const proc = new PtyProcess({ argv: ['sh', '-c', 'touch "$0"', ${JSON.stringify(mark)}], cwd: ${JSON.stringify(dir)}, env: process.env, stdoutLog: ${JSON.stringify(path.join(dir, 'stdout.log'))}, stderrLog: ${JSON.stringify(path.join(dir, 'stderr.log'))}, killGraceMs: 2000, held: true });
process.stdout.write(String(proc.pid) + '\\n');
setInterval(() => undefined, 1000);`;
  const supervisor = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = Number(await new Promise<string>((resolve) => supervisor.stdout.once('data', (data: Buffer) => resolve(data.toString()))));
  assert.ok(isAlive(pid), 'the held shell runs');
  supervisor.kill('SIGKILL');
  for (const deadline = Date.now() + 5000; isAlive(pid) && Date.now() < deadline; ) await sleep(20);
  assert.equal(isAlive(pid), false, 'the held shell ended with its supervisor');
  await sleep(200);
  assert.equal(existsSync(mark), false, 'its program never ran');
});

test('PtyProcess: a held process released at once runs, its stdin file whole, in its directory', async () => {
  counter += 1;
  const input = path.join(tmp, `stdin-${counter}.txt`);
  writeFileSync(input, 'first line\nsecond line\n');
  // Released before its shell can have opened the gate: the line waits there for it.
  const { proc, stdoutLog } = start(['sh', '-c', 'pwd; cat'], { held: true, stdinFile: input });
  proc.release({});
  const exit = await proc.exited;
  assert.equal(exit.exitCode, 0);
  const dir = path.dirname(stdoutLog);
  assert.equal(readFileSync(stdoutLog, 'utf8'), `${realpathSync(dir)}\r\nfirst line\r\nsecond line\r\n`);
});
