#!/usr/bin/env node
/** `c3d` entry point: dispatches to a sub-command; errors are one line on stderr. */
import { commands } from './commands/index.js';
import { UsageError, usageFor } from './command.js';
import { packageInfo } from './package-info.js';
import { relaunch, relaunchEnv } from './relaunch.js';

function help(): string {
  const width = Math.max(0, ...commands.map((c) => c.name.length));
  return [
    'usage: c3d COMMAND [options]   (c3d COMMAND --help for details; c3d --version)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    try {
      const { name: pkg, version } = packageInfo();
      process.stdout.write(`${pkg} ${version}\n`);
      return 0;
    } catch (e) {
      process.stderr.write(`c3d: ${(e as Error).message}\n`);
      return 1;
    }
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`c3d: unknown command '${name}'\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(usageFor(cmd, rest) + '\n');
    return 0;
  }
  // `c3d train` runs in a child with glibc's malloc set for training (src/cli/relaunch.ts).
  const env = relaunchEnv(name, process.env, process.platform);
  if (env) return relaunch(env);
  try {
    return await cmd.run(rest);
  } catch (err) {
    const e = err as Error;
    process.stderr.write(`c3d ${name}: ${e.message}\n`);
    if (process.env.C3D_DEBUG) process.stderr.write(`${e.stack}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
