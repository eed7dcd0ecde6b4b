import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A `c3d` sub-command: the CLI is a thin layer, each command parses its flags and calls the library. */
export interface Command {
  name: string;
  /** One line for `c3d --help`. */
  summary: string;
  /** Full usage text for `c3d NAME --help`. */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A user error: printed as one line `c3d NAME: message`, exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with positionals allowed; an unknown or malformed flag becomes a UsageError (exit 2). */
export function parseCommandArgs<const O extends OptionsConfig>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
