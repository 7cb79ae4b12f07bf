#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { packageRoot } from '../paths/package-root.js';
import { exitOnStrayErrors, reportError } from './report-error.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

let exitCode = 0;
const debug = process.argv.includes('--debug') || process.env.MCP_DEBUG === '1';

/** Commands that supervise tasks or serve a page: their work goes on when nobody reads stdout. */
const KEEP_RUNNING_WITHOUT_READER = new Set(['run', 'resume', 'supervise', 'ui', 'attach']);

/**
 * Commands whose work is over when their handler returns: they end there, instead of waiting
 * for Node to tear down a heap of a run's size (30-40 ms after a one-task run, against 18 ms
 * for an empty Node). Everything they write is written synchronously or awaited before.
 */
const END_ON_RETURN = new Set(['run', 'resume']);

/**
 * `mcp status --json | head`, `mcp logs --follow | grep -m1 …`: the reader has what it
 * wanted and left. What is still to print goes nowhere and the command ends with its code so
 * far, as git does, rather than as an internal error.
 */
function endWhenReaderLeaves(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(exitCode);
    process.exit(reportError(error, debug));
  });
}

/**
 * `mcp logs --help | head -3`: help and version are printed before any command runs, so a
 * reader that left ends them quietly too. Removed once a command starts: from then on each
 * command decides (`run` must outlive its reader).
 */
function quietWhenReaderLeavesEarly(): () => void {
  const listener = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') process.exit(0);
  };
  process.stdout.on('error', listener);
  return () => process.stdout.off('error', listener);
}
let commandStarts = (): void => undefined;

/** Commands are imported when called, so `mcp --version` does not load SQLite or node-pty. */
function action<A extends unknown[]>(load: () => Promise<(...args: A) => Promise<number> | number>) {
  return async (...args: unknown[]): Promise<void> => {
    // commander passes (args..., options, command); our handlers take (args..., options).
    const command = args[args.length - 1] as Command;
    commandStarts();
    if (!KEEP_RUNNING_WITHOUT_READER.has(command.name())) endWhenReaderLeaves();
    const handler = await load();
    const merged = args.slice(0, -1) as A;
    const opts = { ...command.optsWithGlobals() };
    merged[merged.length - 1] = opts as A[number];
    exitCode = await handler(...merged);
    if (END_ON_RETURN.has(command.name())) process.exit(exitCode);
  };
}

function common(command: Command): Command {
  return command
    .option('--state-dir <dir>', 'state root (default: $MCP_STATE_DIR, else <project>/.mcp)')
    .option('--project <dir>', 'project directory (default: the current directory)')
    .option('--config <file>', 'config file (default: <project>/mcp.config.json)');
}

function build(): Command {
  const program = new Command('mcp')
    .description('Run a plan of Codex CLI tasks in parallel, each in its own PTY and workspace')
    .version(version(), '-V, --version')
    .option('--debug', 'show stack traces of internal errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text.startsWith('error:') ? `mcp: ${text}` : text) });

  common(program.command('run [objective]'))
    .description('plan an objective with Codex (or take --plan) and run it: every task in its own PTY and workspace')
    .option('--plan <file>', 'plan JSON file (format: docs/plans.md); skips planning')
    .option('--parallel <n>', 'tasks at once (default: CPU count)')
    .option('--max-attempts <n>', 'attempts per task, the first included (default 3)')
    .option('--max-replans <n>', 'replans after a task used its attempts (default 2)')
    .option('--task-timeout <seconds>', 'wall-clock limit of each task attempt')
    .option('--idle-timeout <seconds>', 'stop an attempt that prints nothing for this long')
    .addOption(new Option('--retry-backoff <seconds>', 'first retry delay, doubled each time (default 1)').hideHelp())
    .option('--apply', 'merge the result branch into your current branch when the run succeeds')
    .option('--interactive', 'with --task: one interactive Codex session (the TUI) you can attach to')
    .option('--task <prompt>', 'with --interactive: the prompt of that session')
    .option('--detach', 'return at once; a background supervisor runs the tasks (watch with status, logs, attach)')
    .option('--no-tty', 'print one plain line per task change instead of the live table (also: NO_TTY=1)')
    .option('--json', 'print one JSON document (the run) on stdout')
    .option('--ui', 'serve the web dashboard while the run runs (prints its URL; see mcp ui)')
    .addHelpText('after', '\nExamples:\n  mcp run "add a health endpoint with tests"\n  mcp run --plan plan.json --parallel 2 --json\n  mcp run "fix the flaky test" --max-attempts 2 --idle-timeout 300 --apply')
    .action(action(async () => (await import('./commands/run.js')).runCommand));

  common(program.command('plan <objective>'))
    .description('print the plan Codex proposes for an objective, without running it')
    .option('--out <file>', 'save the plan as JSON, to edit and give to `mcp run --plan`')
    .option('--json', 'print the plan JSON on stdout')
    .addHelpText('after', '\nExamples:\n  mcp plan "add a health endpoint" --out plan.json')
    .action(action(async () => (await import('./commands/plan.js')).planCommand));

  common(program.command('supervise', { hidden: true }))
    .description('the background supervisor of `mcp run --detach`')
    .option('--run <id...>', 'runs to execute')
    .action(action(async () => (await import('./commands/supervise.js')).superviseCommand));

  common(program.command('approve <task> [id]'))
    .description('answer what a waiting task asks: a Codex approval request, or a sensitive command (approve, --session, or --deny)')
    .option('--session', 'approve this and the same request again for the rest of the Codex session')
    .option('--deny', 'refuse; Codex is told, and a command task fails')
    .option('--json', 'print the decision as JSON')
    .addHelpText('after', '\nExamples:\n  mcp status --waiting            # what waits, with its approval id\n  mcp approve deploy\n  mcp approve deploy 2 --deny\n  mcp approve install --session')
    .action(action(async () => (await import('./commands/approve.js')).approveCommand));

  common(program.command('send <task> <message>'))
    .description('give a running Codex task more guidance: it joins the turn under way, or starts the next one')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  mcp send api "use the existing logger, not console.log"')
    .action(action(async () => (await import('./commands/send.js')).sendCommand));

  common(program.command('done <task>'))
    .description('end a Codex session that waits for your next message (interactive tasks); the task succeeds with its work')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  mcp done review')
    .action(action(async () => (await import('./commands/done.js')).doneCommand));

  common(program.command('attach <task>'))
    .description("a running task here: a Codex task in the real Codex TUI on its session, a command task's terminal; Ctrl-] detaches (the task keeps running)")
    .addHelpText('after', '\nExamples:\n  mcp attach build')
    .action(action(async () => (await import('./commands/attach.js')).attachCommand));

  common(program.command('resume [run]'))
    .description('finish runs whose supervisor died: stop orphans, resume interrupted tasks, run the rest')
    .option('--json', 'print {"runs": [...]} on stdout')
    .addHelpText('after', '\nExamples:\n  mcp resume\n  mcp resume r0abc123')
    .action(action(async () => (await import('./commands/resume.js')).resumeCommand));

  common(program.command('merge <run>'))
    .description("merge a run's result branch (mcp/run-<id>) into your current branch; refuses on a dirty tree")
    .option('--json', 'print {"run", "merged", "message"} on stdout')
    .addHelpText('after', '\nExamples:\n  mcp merge r0abc123')
    .action(action(async () => (await import('./commands/merge.js')).mergeCommand));

  common(program.command('clean [run]'))
    .description("free disk: remove finished runs' task worktrees and task branches (without RUN: every finished run); logs and the store stay")
    .option('--all', 'every finished run (what no RUN means too)')
    .option('--older-than <age>', 'only runs that ended longer ago than this: 7d, 12h, 30m')
    .option('--dry-run', 'change nothing; print what would go')
    .option('--logs', "also the runs' logs, records and rows in the store: the runs are forgotten")
    .option('--branches', 'also delete run branches (mcp/run-<id>) not merged into your current branch')
    .option('--force', 'also remove worktrees with uncommitted changes and branches holding commits no other branch has')
    .option('--json', 'print {"removed", "skipped", "failed", "freedBytes", ...} on stdout')
    .addHelpText(
      'after',
      "\nA running run is never touched, nor work that exists nowhere else without --force; what is kept is listed with\nthe reason and the flag that removes it.\n\nExamples:\n  mcp clean --dry-run\n  mcp clean r0abc123\n  mcp clean --older-than 7d --logs\n  mcp clean --all --branches --force --json",
    )
    .action(action(async () => (await import('./commands/clean.js')).cleanCommand));

  common(program.command('status [target]'))
    .description('show runs and tasks (works without a running supervisor)')
    .option('--json', 'print {"stateRoot", "disk", "runs": [...]} on stdout (with --watch: one compact document a line)')
    .option('-w, --watch', 'redraw every --interval seconds until Ctrl-C')
    .option('--interval <seconds>', 'with --watch: seconds between redraws (default 2)')
    .option('--until-done', 'with --watch: stop once the runs shown (or the task asked for) have ended')
    .option('--state <states>', 'only tasks in these states, comma-separated (e.g. running,failed)')
    .option('--waiting', 'only tasks waiting for a person (an approval, or your next message), with how to answer')
    .addOption(new Option('--sort <key>', 'task order (default: plan order; duration: longest first)').choices(['id', 'state', 'start', 'duration']))
    .option('--disk', "measure the state root's disk use now, all of it, running runs included (else: what was measured before, plus what 50 ms of walking reaches of finished runs)")
    .addHelpText('after', '\nExamples:\n  mcp status\n  mcp status build --json\n  mcp status --watch --state running,failed --sort duration\n  mcp status r0abc123 --watch --until-done\n  mcp status --disk')
    .action(action(async () => (await import('./commands/status.js')).statusCommand));

  common(program.command('logs <target>'))
    .description("print a task's log: what a Codex task did (its transcript), or a command task's terminal output; of a run id, the run's story (its plan, each task's start and end, how it ended)")
    .option('-f, --follow', 'keep printing until the task ends')
    .addOption(
      new Option(
        '--stream <name>',
        "which log: transcript (the default for a Codex task: its messages, commands with their output, edits, approvals, attempts), stdout (the task's terminal: the default for a command task; empty for a Codex task), stderr, events (the raw events.ndjson)",
      ).choices(['transcript', 'stdout', 'stderr', 'events']),
    )
    .option('--plain', 'strip terminal escape sequences')
    .option('--json', 'one JSON document: {"task", "stream", "file", "text"} or, for events, {"task", "stream", "file", "events": [...]}; with --follow, one JSON object a line')
    .addHelpText('after', '\nExamples:\n  mcp logs review                     # what a Codex task did\n  mcp logs r0abc123 --follow          # a run, as mcp run prints it\n  mcp logs build --follow --plain     # a command task\'s terminal, until it ends\n  mcp logs review --stream events --json')
    .action(action(async () => (await import('./commands/logs.js')).logsCommand));

  common(program.command('kill [target]'))
    .description('stop a task, a run, or everything (SIGTERM, then SIGKILL after a grace period)')
    .option('--all', 'stop every running task of the state root')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  mcp kill build\n  mcp kill --all')
    .action(action(async () => (await import('./commands/kill.js')).killCommand));

  common(program.command('ui'))
    .description('a web dashboard of the state root on 127.0.0.1: runs as live graphs, task terminals, approvals, diffs')
    .option('--port <n>', 'port to listen on (default: any free port)')
    .option('--open', 'open the dashboard in the browser')
    .addHelpText('after', '\nThe URL printed carries a random token: every request needs it.\n\nExamples:\n  mcp ui --open\n  mcp ui --port 7300 --state-dir ~/work/app/.mcp')
    .action(action(async () => (await import('./commands/ui.js')).uiCommand));

  common(program.command('doctor'))
    .description('check that codex, node-pty, SQLite and the state root work here')
    .option('--json', 'print the checks as JSON')
    .addHelpText('after', '\nExamples:\n  mcp doctor\n  mcp doctor --project ~/src/app --json')
    .action(action(async () => (await import('./commands/doctor.js')).doctorCommand));

  program
    .command('completion <shell>')
    .description('print a completion script for bash, zsh or fish (commands, options, task and run ids)')
    .addHelpText(
      'after',
      '\nExamples:\n  source <(mcp completion bash)                       # in ~/.bashrc\n  mcp completion zsh > "${fpath[1]}/_mcp"\n  mcp completion fish > ~/.config/fish/completions/mcp.fish',
    )
    .action(action(async () => {
      const { completionCommand } = await import('./commands/completion.js');
      return (shell: string) => completionCommand(shell, program);
    }));

  return program;
}

async function main(): Promise<void> {
  exitOnStrayErrors(debug);
  commandStarts = quietWhenReaderLeavesEarly();
  const program = build();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version asked for are successes; help shown because no command was given
      // (a bare `mcp`, on stderr) is commander's exit 1, as git's; every other parse error is bad usage (exit 2).
      const help = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help';
      process.exitCode = help ? error.exitCode : 2;
      return;
    }
    process.exitCode = reportError(error, debug);
    return;
  }
  process.exitCode = exitCode;
}

void main();
