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
