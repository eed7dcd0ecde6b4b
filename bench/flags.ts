/** The benchmarks' tiny flag reader: `--name` switches and `--name VALUE` options. */
export function benchFlags(argv: string[]): { has: (flag: string) => boolean; value: (flag: string) => string | undefined } {
  return {
    has: (flag) => argv.includes(flag),
    value: (flag) => {
      const i = argv.indexOf(flag);
      return i >= 0 ? argv[i + 1] : undefined;
    },
  };
}
