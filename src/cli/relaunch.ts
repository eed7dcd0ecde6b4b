/**
 * `c3d train` on Linux runs its training in a child process started with glibc's malloc settings for
 * training (src/train/malloc-tunables.ts): glibc reads them only when a process starts. The child
 * is this same command line with GLIBC_TUNABLES set; a GLIBC_TUNABLES the user set is left alone
 * (no relaunch), and C3D_NO_RELAUNCH=1 turns it off.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { TRAINING_GLIBC_TUNABLES } from '../train/malloc-tunables.js';

/** The child's environment when `command` should run relaunched, else null. */
export function relaunchEnv(command: string | undefined, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): NodeJS.ProcessEnv | null {
  if (command !== 'train' || platform !== 'linux' || env.GLIBC_TUNABLES !== undefined || env.C3D_NO_RELAUNCH === '1') return null;
  return { ...env, GLIBC_TUNABLES: TRAINING_GLIBC_TUNABLES };
}

/**
 * Runs this process's command line again in a child with `env`; resolves to the child's exit code
 * (128 + the signal's number when a signal ended it). The child has its own process group, so a
 * Ctrl-C at the terminal or a signal to this process's group reaches it exactly once, passed on from
 * here (`c3d train` saves a checkpoint on the first SIGINT / SIGTERM and quits at a second).
 */
export function relaunch(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env, stdio: 'inherit', detached: true });
    const forwards = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((sig) => [sig, () => void child.kill(sig)] as const);
    for (const [sig, f] of forwards) process.on(sig, f);
    const done = (code: number): void => {
      for (const [sig, f] of forwards) process.off(sig, f);
      resolve(code);
    };
    child.on('error', (err) => {
      process.stderr.write(`c3d: cannot start the training process (${err.message})\n`);
      done(1);
    });
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  });
}
