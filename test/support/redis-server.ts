import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../../bench/lib/hub-process.js';
import { findProgram } from '../../bench/lib/programs.js';
import { need, programNeed } from './services.js';

/** Redis (Debian's `redis-server`): TEST_REDIS_SERVER, else on PATH or in /usr/bin. */
export const redisServer = programNeed('redis-server', 'TEST_REDIS_SERVER', 'the redis-server program', () =>
  findProgram('redis-server', { last: ['/usr/bin'] }),
);

/**
 * A real Redis on 127.0.0.1 for one test file, on a port of its own, keeping nothing on disk; the tests
 * stop and restart it to make outages.
 */
export class RedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    private readonly program: string,
    readonly port: number,
  ) {}

  static async start(): Promise<RedisServer> {
    const redis = new RedisServer(need(redisServer), await freePort());
    await redis.resume();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The server's process while it runs (the bench measures its CPU). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  async resume(): Promise<void> {
    const child = spawn(
      this.program,
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process = child;
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`redis-server exited (${child.exitCode}): ${output.slice(-400)}`);
      if (await answersPing(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server did not answer on 127.0.0.1:${this.port} in 10 s: ${output.slice(-400)}`);
  }

  /** Stops the server at once, as a crash would (SIGKILL). */
  async kill(): Promise<void> {
    const child = this.process;
    // Killed already: a signal's end leaves exitCode null, and no second 'exit' would come.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** Whether Redis answers an inline PING on `port`. */
async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}
