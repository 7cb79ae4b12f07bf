import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../../domain/errors.js';
import { isFinalRunState, isFinalTaskState } from '../../domain/task-state.js';
import type { RunRecord, TaskRecord } from '../../store/records.js';
import type { StateRoot } from '../../store/state-root.js';
import type { TaskStore } from '../../store/task-store.js';
import { RunStory } from '../run-story.js';
import { supervisorGoneError, supervisorOfRuns } from '../../orchestrator/run-supervisor.js';
import { resolveContext, type ContextOptions, type McpContext } from '../context.js';
import { EventTail } from '../../terminal/event-tail.js';
import { stripAnsi } from '../../terminal/strip-ansi.js';
import { TranscriptRenderer } from '../render/transcript.js';
import { requireStore, resolveRef } from '../open-store.js';

export interface LogsOptions extends ContextOptions {
  follow?: boolean;
  stream?: string;
  plain?: boolean;
  json?: boolean;
  /** Where the log goes: stdout, but for tests (where stdout also carries the runner's own reports). */
  out?: Out;
}

type Out = { write(chunk: string | Uint8Array): unknown };

const STREAMS = ['stdout', 'stderr', 'events', 'transcript'] as const;
type Stream = (typeof STREAMS)[number];
/** How often --follow looks for new bytes; a person cannot tell 200 ms from instant. */
const FOLLOW_POLL_MS = 200;
const READ_CHUNK = 1024 * 1024;

export async function logsCommand(ref: string, options: LogsOptions): Promise<number> {
  if (options.stream !== undefined && !STREAMS.includes(options.stream as Stream)) {
    throw new UsageError(`--stream must be one of ${STREAMS.join(', ')}, not ${JSON.stringify(options.stream)}`);
  }
  const ctx = resolveContext(options);
  const store = requireStore(ctx.root, ref, { reading: true });
  try {
    // A run id, else a task (its id, or a plan key in the latest run that has it), as status and kill read it.
    const { runId, taskId } = resolveRef(store, ref);
    if (taskId !== undefined) return await taskLogs(ctx, store, store.resolveTask(taskId), options);
    return await runLogs(ctx.root, store, store.resolveRun(runId), options);
  } finally {
    store.close();
  }
}

/** `mcp logs TASK`: one of its logs, or (the default for a Codex task) its transcript. */
async function taskLogs(ctx: McpContext, store: TaskStore, task: TaskRecord, options: LogsOptions): Promise<number> {
  // A Codex task's terminal prints nothing: what it did is in its events.
  const stream = (options.stream ?? (task.kind === 'prompt' ? 'transcript' : 'stdout')) as Stream;
  const files = ctx.root.taskFiles(task.id);
  const file = stream === 'stdout' ? files.stdout : stream === 'stderr' ? files.stderr : files.events;
  const plain = options.plain === true && stream !== 'events';
  const to = options.out ?? process.stdout;
  const sink: LogSink = options.json ? new JsonSink(to, { task: task.id, stream, file }, stream === 'events', options.follow === true, plain) : new Sink(to, plain);
  const transcript = stream === 'transcript' ? { events: new EventTail(file), renderer: new TranscriptRenderer(task.kind) } : null;
  let offset = 0;
  let looked = false;
  for (;;) {
    const finished = isFinalTaskState(store.getTask(task.id)?.status ?? 'failed');
    if (transcript) sink.write(Buffer.from(transcript.events.readAll().map((event) => transcript.renderer.render(event)).join('')));
    else offset = copyFrom(file, offset, sink);
    if (!looked && offset === 0 && stream === 'stdout' && task.kind === 'prompt') {
      process.stderr.write(`${codexTaskNote(task.id, options.stateDir !== undefined || options.project !== undefined ? ctx.root.dir : null)}\n`);
    }
    looked = true;
    if (!options.follow || finished) break;
    // A task whose supervisor died stays running in the store until `mcp resume`: following it would never end.
    const run = store.getRun(task.runId);
    if (run && supervisorOfRuns(ctx.root.lockPath)(run) === 'gone') {
      sink.end();
      throw supervisorGoneError(run.id, task.id);
    }
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
  }
  sink.end();
  return 0;
}

/**
 * `mcp logs RUN`: the run's story (the default), or its own events.ndjson. A run has no
 * terminal of its own: its tasks do.
 */
async function runLogs(root: StateRoot, store: TaskStore, run: RunRecord, options: LogsOptions): Promise<number> {
  const stream = (options.stream ?? 'transcript') as Stream;
  if (stream === 'stdout' || stream === 'stderr') throw new UsageError(`run ${run.id} has no ${stream} of its own: its tasks do (mcp logs TASK --stream ${stream}; mcp status ${run.id} lists them)`);
  const file = root.runFiles(run.id).events;
  const to = options.out ?? process.stdout;
  const sink: LogSink = options.json ? new JsonSink(to, { run: run.id, stream, file }, stream === 'events', options.follow === true, false) : new Sink(to, false);
  const story = stream === 'transcript' ? new RunStory(root, store, run.id) : null;
  let offset = 0;
  for (;;) {
    const now = store.getRun(run.id) ?? run;
    const finished = isFinalRunState(now.status);
    if (story) sink.write(Buffer.from(story.next() + (finished ? story.ending(now) : '')));
    else offset = copyFrom(file, offset, sink);
    if (!options.follow || finished) break;
    if (supervisorOfRuns(root.lockPath)(now) === 'gone') {
      sink.end();
      throw supervisorGoneError(run.id);
    }
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
  }
  sink.end();
  return 0;
}

/**
 * A Codex task runs `codex app-server`, driven through its protocol: its terminal prints
 * nothing, and what it does (messages, commands, edits) is recorded as its events. Without
 * this line `mcp logs TASK --stream stdout` of such a task printed nothing and left the
 * reader guessing.
 */
function codexTaskNote(taskId: string, stateDir: string | null): string {
  const where = stateDir === null ? '' : ` --state-dir '${stateDir.replace(/'/g, "'\\''")}'`;
  return `mcp: ${taskId} is a Codex task: its stdout.log stays empty, what it did is its transcript: mcp logs ${taskId}${where}`;
}

interface LogSink {
  write(chunk: Buffer): void;
  end(): void;
}

function copyFrom(file: string, offset: number, sink: LogSink): number {
  const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  if (size <= offset) return offset;
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(READ_CHUNK, size - offset));
    let position = offset;
    while (position < size) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
      if (n === 0) break;
      sink.write(buffer.subarray(0, n));
      position += n;
    }
    return position;
  } finally {
    closeSync(fd);
  }
}

/** Writes raw bytes, or with --plain whole lines stripped of escapes (a sequence may span reads). */
class Sink implements LogSink {
  private pending = '';
  constructor(
    private readonly out: Out,
    private readonly plain: boolean,
  ) {}

  write(chunk: Buffer): void {
    if (!this.plain) {
      this.out.write(chunk);
      return;
    }
    this.pending += chunk.toString('utf8');
    const nl = this.pending.lastIndexOf('\n');
    if (nl === -1) return;
    this.out.write(stripAnsi(this.pending.slice(0, nl + 1)));
    this.pending = this.pending.slice(nl + 1);
  }

  end(): void {
    if (this.plain && this.pending) this.out.write(`${stripAnsi(this.pending)}\n`);
    this.pending = '';
  }
}

/**
 * --json: one document, `{"task", "stream", "file", "text"}` (or `"events": [...]`), streamed
 * so a log of hundreds of megabytes is never one string in memory; with --follow, one
 * object a line as the log grows (`{"text"}` chunks, or each event as it is).
 */
class JsonSink implements LogSink {
  private readonly decoder = new StringDecoder('utf8');
  private lines = '';
  private first = true;

  constructor(
    private readonly out: Out,
    head: { task: string; stream: string; file: string } | { run: string; stream: string; file: string },
    private readonly events: boolean,
    private readonly follow: boolean,
    private readonly plain: boolean,
  ) {
    if (!follow) this.out.write(`${JSON.stringify(head).slice(0, -1)},${events ? '"events":[' : '"text":"'}`);
  }

  write(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    if (this.events) return this.eventLines(text);
    if (!this.plain) return this.text(text);
    // An escape sequence may span two reads: strip whole lines only.
    this.lines += text;
    const nl = this.lines.lastIndexOf('\n');
    if (nl === -1) return;
    this.text(stripAnsi(this.lines.slice(0, nl + 1)));
    this.lines = this.lines.slice(nl + 1);
  }

  private text(shown: string): void {
    if (!shown) return;
    if (this.follow) this.out.write(`${JSON.stringify({ text: shown })}\n`);
    else this.out.write(JSON.stringify(shown).slice(1, -1));
  }

  /** Whole lines only; a torn line (a crash mid-write) is skipped, as every reader does. */
  private eventLines(text: string): void {
    this.lines += text;
    const nl = this.lines.lastIndexOf('\n');
    if (nl === -1) return;
    for (const line of this.lines.slice(0, nl).split('\n')) {
      if (!line.trim()) continue;
      try {
        const event = JSON.stringify(JSON.parse(line));
        this.out.write(this.follow ? `${event}\n` : `${this.first ? '' : ','}${event}`);
        this.first = false;
      } catch {
        /* torn */
      }
    }
    this.lines = this.lines.slice(nl + 1);
  }

  end(): void {
    const rest = this.decoder.end();
    if (rest) this.write(Buffer.from(rest));
    if (!this.events && this.plain) this.text(stripAnsi(this.lines));
    if (!this.follow) this.out.write(this.events ? ']}\n' : '"}\n');
  }
}
