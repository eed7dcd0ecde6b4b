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
