import type { Command, Option } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { TASK_STATES } from '../../domain/task-state.js';

/**
 * `mcp completion bash|zsh|fish`: a completion script generated from the commander program
 * itself, so a new command or option completes without anyone editing a list. Task and run
 * ids come from `mcp status --json` when the user presses Tab.
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

function flagsOf(option: OptionSpec): string[] {
  return [option.short, option.long].filter((f): f is string => Boolean(f));
}

/** A POSIX shell single-quoted word (bash and zsh). */
function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A fish single-quoted word: only \ and ' are special there. */
function fishq(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// Ids are read from `mcp status --json`, indented or compact: `"id":"…"` cannot occur inside
// a JSON string (its quotes would be escaped), and run ids have a pattern of their own
// (RUN_ID_PATTERN) while task ids always hold a dash.
const GREP_RUN_IDS = `grep -oE '"id": ?"r[a-z0-9]{8}"'`;
const GREP_ALL_IDS = `grep -oE '"(id|key)": ?"[a-z0-9][a-z0-9-]*"'`;
const SED_VALUE = `sed -E 's/.*"([^"]*)"$/\\1/'`;

export function bashScript(spec: CompletionSpec): string {
  const fn = `_${spec.program.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const commandCases = spec.commands.map((command) => {
    const words = command.options.flatMap(flagsOf).join(' ');
    const valued = command.options.filter((o) => o.value !== 'none').flatMap(flagsOf);
    return `    ${command.name}) opts=${shq(words)}; valued=${shq(` ${valued.join(' ')} `)}; args=${shq(command.args.join(' '))} ;;`;
  });
  // One case per action, listing every command:option that takes it.
  const byAction = new Map<string, string[]>();
  for (const command of spec.commands) {
    for (const option of command.options) {
      if (option.value === 'none') continue;
      const action =
        option.value === 'file'
          ? '_mcp_reply_files -f'
          : option.value === 'dir'
            ? '_mcp_reply_files -d'
            : option.value === 'choice'
              ? `_mcp_reply ${shq(option.choices.join(' '))}`
              : ':';
      byAction.set(action, [...(byAction.get(action) ?? []), ...flagsOf(option).map((flag) => `${command.name}:${flag}`)]);
    }
  }
  const valueCases = [...byAction].map(([action, patterns]) => `    ${patterns.join('|')})\n      ${action}; return ;;`);
  const topWords = [...spec.commands.map((c) => c.name), ...spec.options.flatMap(flagsOf)].join(' ');
  return `# bash completion for ${spec.program}, generated by \`${spec.program} completion bash\`.
# Load it from ~/.bashrc:  source <(${spec.program} completion bash)

_mcp_reply() {
  mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_mcp_reply_files() {
  compopt -o filenames 2>/dev/null
  mapfile -t COMPREPLY < <(compgen "$1" -- "$cur")
}

# Task and run ids of the state root the command line names (--state-dir, --project), quietly.
_mcp_ids() {
  local -a scope=()
  local i value
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      --state-dir|--project)
        value=\${COMP_WORDS[i+1]}
        scope+=("\${COMP_WORDS[i]}" "\${value/#\\~/$HOME}") ;;
    esac
  done
  local json
  json=$(command ${spec.program} status "\${scope[@]}" --json 2>/dev/null) || return 0
  if [[ $1 == runs ]]; then
    ${GREP_RUN_IDS} <<<"$json" | ${SED_VALUE}
  else
    ${GREP_ALL_IDS} <<<"$json" | ${SED_VALUE} | sort -u
  fi
}

${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cmd='' start=0 i
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      -*) ;;
      *) cmd=\${COMP_WORDS[i]}; start=$i; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    _mcp_reply ${shq(topWords)}
    return
  fi

  local opts='' valued='' args=''
  case $cmd in
${commandCases.join('\n')}
    *) return ;;
  esac

  # The value of an option.
  case "$cmd:$prev" in
${valueCases.join('\n')}
  esac

  if [[ $cur == -* ]]; then
    _mcp_reply "$opts"
    return
  fi

  # Which positional argument this is: words after the command, less options and their values.
  local n=0 skip=0
  for ((i = start + 1; i < COMP_CWORD; i++)); do
    if ((skip)); then skip=0; continue; fi
    case \${COMP_WORDS[i]} in
      -*) [[ $valued == *" \${COMP_WORDS[i]} "* ]] && skip=1 ;;
      *) ((n++)) ;;
    esac
  done
  local -a kinds=($args)
  case \${kinds[n]} in
    ids) _mcp_reply "$(_mcp_ids all)" ;;
    runs) _mcp_reply "$(_mcp_ids runs)" ;;
    shells) _mcp_reply ${shq(SHELLS.join(' '))} ;;
    commands) _mcp_reply ${shq(spec.commands.map((c) => c.name).join(' '))} ;;
  esac
}

complete -F ${fn} ${spec.program}
`;
}

/** An `_arguments` description: brackets would end the spec early. */
function zshDescription(text: string): string {
  return oneLine(text).replace(/\[/g, '(').replace(/\]/g, ')').replace(/\\/g, '');
}

function zshOption(option: OptionSpec): string[] {
  const flags = flagsOf(option);
  const exclusive = flags.length > 1 ? `(${flags.join(' ')})` : '';
  const value =
    option.value === 'none'
      ? ''
      : option.value === 'file'
        ? `:${option.placeholder}:_files`
        : option.value === 'dir'
          ? `:${option.placeholder}:_files -/`
          : option.value === 'choice'
            ? `:${option.placeholder}:(${option.choices.join(' ')})`
            : `:${option.placeholder}: `;
  // `--opt=` takes its value either as `--opt=v` or as the next word.
  return flags.map((flag) => shq(`${exclusive}${flag}${option.value !== 'none' && flag.startsWith('--') ? '=' : ''}[${zshDescription(option.description)}]${value}`));
}

function zshArg(kind: ArgKind, position: number): string {
  const action = {
    ids: 'task or run:_mcp_ids',
    runs: 'run:_mcp_run_ids',
    shells: `shell:(${SHELLS.join(' ')})`,
    commands: 'command:_mcp_commands',
    text: 'text: ',
  }[kind];
  return shq(`${position}:${action}`);
}

export function zshScript(spec: CompletionSpec): string {
  const fn = `_${spec.program.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const described = spec.commands.map((c) => shq(`${c.name}:${oneLine(c.description)}`)).join('\n    ');
  const cases = spec.commands.map((command) => {
    const specs = [...command.options.flatMap(zshOption), ...command.args.map((kind, i) => zshArg(kind, i + 1))];
    return `        ${command.name})\n          _arguments -s \\\n            ${specs.join(' \\\n            ')} ;;`;
  });
  return `#compdef ${spec.program}
# zsh completion for ${spec.program}, generated by \`${spec.program} completion zsh\`.
# Save it as _${spec.program} in a directory of $fpath, or load it from ~/.zshrc:
#   source <(${spec.program} completion zsh)

_mcp_commands() {
  local -a commands
  commands=(
    ${described}
  )
  _describe -t commands '${spec.program} command' commands
}

# \`mcp status --json\` of the state root the command line names (--state-dir, --project), quietly.
_mcp_status_json() {
  local -a scope
  local i
  for ((i = 1; i < CURRENT; i++)); do
    case $words[i] in
      --state-dir|--project) scope+=($words[i] \${~words[i+1]}) ;;
    esac
  done
  command ${spec.program} status $scope --json 2>/dev/null
}

# _arguments calls these with compadd options of its own: they are passed on, never parsed.
_mcp_ids() {
  local -a ids
  ids=(\${(f)"$(_mcp_status_json | ${GREP_ALL_IDS} | ${SED_VALUE} | sort -u)"})
  compadd "$@" -a ids
}

_mcp_run_ids() {
  local -a ids
  ids=(\${(f)"$(_mcp_status_json | ${GREP_RUN_IDS} | ${SED_VALUE})"})
  compadd "$@" -a ids
}

${fn}() {
  local curcontext=$curcontext state line
  typeset -A opt_args
  _arguments -C \\
    ${spec.options.flatMap(zshOption).join(' \\\n    ')} \\
    '1: :_mcp_commands' \\
    '*:: :->args' && return
  case $state in
    args)
      curcontext=\${curcontext%:*:*}:${spec.program}-$words[1]:
      case $words[1] in
${cases.join('\n')}
      esac ;;
  esac
}

if [ "$funcstack[1]" = "${fn}" ]; then
  ${fn} "$@"
else
  compdef ${fn} ${spec.program}
fi
`;
}

function fishOption(program: string, condition: string, option: OptionSpec): string {
  const parts = [`complete -c ${program} -n ${fishq(condition)}`];
  if (option.short) parts.push(`-s ${option.short.replace(/^-/, '')}`);
  if (option.long) parts.push(`-l ${option.long.replace(/^--/, '')}`);
  if (option.value === 'file') parts.push('-r -F');
  else if (option.value === 'dir') parts.push(`-x -a '(__fish_complete_directories)'`);
  else if (option.value === 'choice') parts.push(`-x -a ${fishq(option.choices.join(' '))}`);
  else if (option.value === 'text') parts.push('-x');
  parts.push(`-d ${fishq(oneLine(option.description))}`);
  return parts.join(' ');
}

export function fishScript(spec: CompletionSpec): string {
  const p = spec.program;
  const lines = [
    `# fish completion for ${p}, generated by \`${p} completion fish\`.`,
    `# Save it as ~/.config/fish/completions/${p}.fish`,
    '',
    '# Task and run ids of the state root the command line names (--state-dir, --project), quietly.',
    'function __mcp_ids --argument-names scope',
    `    command -q ${p}; or return`,
    '    set -l words (commandline -opc)',
    '    set -l args',
    '    for i in (seq (count $words))',
    '        if contains -- $words[$i] --state-dir --project; and test $i -lt (count $words)',
    '            set -a args $words[$i] $words[(math $i + 1)]',
    '        end',
    '    end',
    `    set -l json (command ${p} status $args --json 2>/dev/null | string collect); or return`,
    '    if test "$scope" = runs',
    `        printf '%s\\n' $json | ${GREP_RUN_IDS} | ${SED_VALUE}`,
    '    else',
    `        printf '%s\\n' $json | ${GREP_ALL_IDS} | ${SED_VALUE} | sort -u`,
    '    end',
    'end',
    '',
    `complete -c ${p} -f`,
    ...spec.options.map((o) => fishOption(p, '__fish_use_subcommand', o)),
    ...spec.commands.map((c) => `complete -c ${p} -n __fish_use_subcommand -a ${c.name} -d ${fishq(oneLine(c.description))}`),
  ];
  for (const command of spec.commands) {
    const when = `__fish_seen_subcommand_from ${command.name}`;
    lines.push(...command.options.map((o) => fishOption(p, when, o)));
    const first = command.args[0];
    // fish cannot tell positions apart cheaply; only the first argument's kind is offered.
    if (first === 'ids') lines.push(`complete -c ${p} -n ${fishq(when)} -a '(__mcp_ids all)'`);
    if (first === 'runs') lines.push(`complete -c ${p} -n ${fishq(when)} -a '(__mcp_ids runs)'`);
    if (first === 'shells') lines.push(`complete -c ${p} -n ${fishq(when)} -a ${fishq(SHELLS.join(' '))}`);
    if (first === 'commands') lines.push(`complete -c ${p} -n ${fishq(when)} -a ${fishq(spec.commands.map((c) => c.name).join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: string, program: Command): string {
  const spec = completionSpec(program);
  switch (shell) {
    case 'bash':
      return bashScript(spec);
    case 'zsh':
      return zshScript(spec);
    case 'fish':
      return fishScript(spec);
    default:
      throw new UsageError(`unknown shell ${JSON.stringify(shell)}`, `give one of ${SHELLS.join(', ')}: mcp completion bash`);
  }
}

export function completionCommand(shell: string, program: Command): number {
  process.stdout.write(completionScript(shell, program));
  return 0;
}
