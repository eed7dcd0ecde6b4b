import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A `c3d` sub-command: the CLI is a thin layer, each command parses its flags and calls the library. */
export interface Command {
  name: string;
  /** One line for `c3d --help`. */
  summary: string;
  /** Full usage text for `c3d NAME --help`. */
  usage: string;
  /** For commands with sub-commands (`c3d eval svm …`): each one's usage, printed by `c3d NAME SUB --help`. */
  subcommands?: Readonly<Record<string, string>>;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** The usage text `--help` should print for `argv` (the arguments after the command name). */
export function usageFor(cmd: Command, argv: readonly string[]): string {
  const sub = argv[0];
  return (sub !== undefined && cmd.subcommands && Object.hasOwn(cmd.subcommands, sub) ? cmd.subcommands[sub] : undefined) ?? cmd.usage;
}

/** A user error: printed as one line `c3d NAME: message`, exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** `-3`, `-0.5`, `-.5`, `-1e-3`: a negative number, not an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * parseArgs reads `--batch -3` as a flag with no value followed by an option `-3` and rejects it as
 * "ambiguous"; joining the pair into `--batch=-3` lets the command's own check say what is allowed.
 */
export function joinNegativeValues(argv: readonly string[], options: OptionsConfig): string[] {
  const takesValue = (token: string): boolean => {
    if (token.startsWith('--')) return options[token.slice(2)]?.type === 'string';
    if (token.length !== 2 || token[0] !== '-') return false;
    return Object.values(options).some((o) => o.short === token[1] && o.type === 'string');
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (next !== undefined && NEGATIVE_NUMBER.test(next) && !a.includes('=') && takesValue(a)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** parseArgs' error as one line (its own messages run over several lines with advice on `--`). */
function parseErrorLine(e: Error & { code?: string }): string {
  const flag = /Option '(-[^' ]+)/.exec(e.message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    if (e.message.includes('ambiguous')) return `${flag} needs a value; to give one that starts with '-', write ${flag}=VALUE`;
    if (e.message.includes('argument missing')) return `${flag} needs a value`;
    if (e.message.includes('does not take an argument')) return `${flag} is a switch and takes no value`;
  }
  const unknown = /^Unknown option '([^']+)'/.exec(e.message);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) return `Unknown option '${unknown[1]}' (see --help)`;
  return e.message.split('\n')[0]!;
}

/** node:util parseArgs with positionals allowed; an unknown or malformed flag becomes a one-line UsageError (exit 2). */
export function parseCommandArgs<const O extends OptionsConfig>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>> {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true });
  } catch (e) {
    throw new UsageError(parseErrorLine(e as Error & { code?: string }));
  }
}
