import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { UsageError } from '../../domain/errors.js';
import { isFinalTaskState } from '../../domain/task-state.js';
import { taskFiles } from '../../orchestrator/task-runner.js';
import { resolveContext, type ContextOptions } from '../../orchestrator/workspace-context.js';
import { stripAnsi } from '../../terminal/strip-ansi.js';
import { requireStore } from '../open-store.js';

export interface LogsOptions extends ContextOptions {
  follow?: boolean;
  stream?: string;
  plain?: boolean;
}

const STREAMS = ['stdout', 'stderr', 'events'] as const;
type Stream = (typeof STREAMS)[number];
/** How often --follow looks for new bytes; a person cannot tell 200 ms from instant. */
const FOLLOW_POLL_MS = 200;
const READ_CHUNK = 1024 * 1024;

export async function logsCommand(ref: string, options: LogsOptions): Promise<number> {
  const stream = (options.stream ?? 'stdout') as Stream;
  if (!STREAMS.includes(stream)) throw new UsageError(`--stream must be one of ${STREAMS.join(', ')}, not ${JSON.stringify(options.stream)}`);
  const ctx = resolveContext(options);
  const store = requireStore(ctx.root, ref);
  try {
    const task = store.resolveTask(ref);
    const files = taskFiles(ctx.root, task.id);
    const file = stream === 'stdout' ? files.stdout : stream === 'stderr' ? files.stderr : files.events;
    const sink = new Sink(options.plain === true && stream !== 'events');
    let offset = 0;
    for (;;) {
      const finished = isFinalTaskState(store.getTask(task.id)?.status ?? 'failed');
      offset = copyFrom(file, offset, sink);
      if (!options.follow || finished) break;
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    }
    sink.end();
    return 0;
  } finally {
    store.close();
  }
}

function copyFrom(file: string, offset: number, sink: Sink): number {
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
class Sink {
  private pending = '';
  constructor(private readonly plain: boolean) {}

  write(chunk: Buffer): void {
    if (!this.plain) {
      process.stdout.write(chunk);
      return;
    }
    this.pending += chunk.toString('utf8');
    const nl = this.pending.lastIndexOf('\n');
    if (nl === -1) return;
    process.stdout.write(stripAnsi(this.pending.slice(0, nl + 1)));
    this.pending = this.pending.slice(nl + 1);
  }

  end(): void {
    if (this.plain && this.pending) process.stdout.write(`${stripAnsi(this.pending)}\n`);
    this.pending = '';
  }
}
