/**
 * Test helper: a real redis-server of our own on a free local port, stopped when the test ends (and
 * killed if the process exits first, so no Redis is left running after `npm test`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** Why the Redis tests skip, or undefined when redis-server is on PATH. */
export const NO_REDIS = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0 ? undefined : 'redis-server is not on PATH (apt-get install redis-server)';
if (NO_REDIS) process.stderr.write(`skipping the queue tests: ${NO_REDIS}\n`);

/** A port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Sends one inline command and resolves with the first reply line (rejects if nothing listens). */
export function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    sock.on('connect', () => sock.write(`${command}\r\n`));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) {
        sock.destroy();
        resolve(buf.split('\r\n')[0]);
      }
    });
    sock.on('error', reject);
    // SHUTDOWN answers nothing: the server closes the connection.
    sock.on('close', () => resolve(buf.split('\r\n')[0]));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RedisServer {
  private child?: ChildProcess;
  private constructor(readonly port: number, private readonly dir: string) {}

  /** Starts redis-server on a free port; its RDB snapshot (SHUTDOWN SAVE only) goes to `dir`. */
  static async start(dir: string): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), dir);
    await r.spawn();
    return r;
  }

  /** `redis://127.0.0.1:PORT/DB` */
  url(db = 0): string {
    return `redis://127.0.0.1:${this.port}/${db}`;
  }

  private async spawn(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', this.dir], {
      stdio: 'ignore',
    });
    this.child = child;
    const kill = (): void => void child.kill('SIGKILL');
    process.on('exit', kill);
    child.on('exit', () => process.removeListener('exit', kill));
    for (let i = 0; i < 100; i++) {
      if ((await redisCommand(this.port, 'PING').catch(() => '')) === '+PONG') return;
      await sleep(50);
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  private exited(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((r) => c.once('exit', () => r()));
  }

  /** Restart keeping the data: SHUTDOWN SAVE (snapshot to disk), then the same server again, `downMs` later. */
  async restart(downMs = 500): Promise<void> {
    const gone = this.exited();
    await redisCommand(this.port, 'SHUTDOWN SAVE').catch(() => '');
    await gone;
    await sleep(downMs);
    await this.spawn();
  }

  async stop(): Promise<void> {
    const gone = this.exited();
    this.child?.kill('SIGTERM');
    await gone;
  }
}
