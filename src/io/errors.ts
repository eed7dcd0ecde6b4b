/** The one error type of weights I/O: a single line naming the file, the layer (if any) and the problem. */
export class WeightsError extends Error {
  override name = 'WeightsError';
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly layer?: string,
  ) {
    super(`${file}: ${layer !== undefined ? `layer ${layer}: ` : ''}${problem}`);
  }
}

/** The error of a read past the end of a `size`-byte file: `what` names the part that does not fit. */
export function truncatedError(file: string, what: string, size: number): WeightsError {
  return new WeightsError(file, `file is truncated: ${what} runs past the end (${size} bytes)`);
}
