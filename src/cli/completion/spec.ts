import type { Command, Option } from 'commander';
import { TASK_STATES } from '../../domain/task-state.js';

/**
 * What a completion script offers, read from the commander program: its visible commands,
 * their options and what each takes, and what each positional argument completes to. The
 * shell emitters (bash.ts, zsh.ts, fish.ts) only render this.
 */

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What follows an option: nothing, a file, a directory, one of some words, or free text. */
export type ValueKind = 'none' | 'file' | 'dir' | 'choice' | 'text';
/** What a positional argument completes to. */
export type ArgKind = 'ids' | 'runs' | 'shells' | 'commands' | 'text';

export interface OptionSpec {
  short?: string;
  long?: string;
  description: string;
  value: ValueKind;
  /** The value's name in help (`<seconds>` -> "seconds"). */
  placeholder: string;
  choices: string[];
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  args: ArgKind[];
}

export interface CompletionSpec {
  program: string;
  options: OptionSpec[];
  commands: CommandSpec[];
}

function optionSpec(option: Option): OptionSpec {
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1]?.replace(/\.\.\.$/, '') ?? '';
  const takesValue = option.required || option.optional;
  // `<states>` takes task states (comma-separated: one is offered at a time).
  const choices = option.argChoices ?? (placeholder === 'states' ? [...TASK_STATES] : []);
  const value: ValueKind = choices.length > 0 ? 'choice' : !takesValue ? 'none' : placeholder === 'dir' ? 'dir' : placeholder === 'file' ? 'file' : 'text';
  return { short: option.short, long: option.long, description: option.description, value, placeholder, choices };
}

/** Positional arguments complete by their name: `<task>` and `[target]` take ids, `<run>` run ids. */
function argKind(name: string): ArgKind {
  if (name === 'task' || name === 'target') return 'ids';
  if (name === 'run') return 'runs';
  if (name === 'shell') return 'shells';
  if (name === 'command') return 'commands';
  return 'text';
}

export function completionSpec(program: Command): CompletionSpec {
  const help = program.createHelp();
  return {
    program: program.name(),
    options: help.visibleOptions(program).map(optionSpec),
    commands: help.visibleCommands(program).map((command) => ({
      name: command.name(),
      description: command.description(),
      options: help.visibleOptions(command).map(optionSpec),
      args: command.registeredArguments.map((arg) => argKind(arg.name())),
    })),
  };
}

export function flagsOf(option: OptionSpec): string[] {
  return [option.short, option.long].filter((f): f is string => Boolean(f));
}
