import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '../../bench/lib/hub-process.js';
import { exited, spawnTsx, tempDir } from '../../bench/lib/processes.js';
import { adminPassword } from './hub.js';
import { singleRequest } from './single-request.js';

/** One line of the hub's pino log (JSON), or `{ msg: line }` for a line that is not JSON. */
export type LogLine = Record<string, unknown> & { msg?: string; pid?: number };

export interface HubProcessOptions {
  /** `postgres://…` (cluster mode needs it); unset: SQLite in the temp DATA_DIR. */
  databaseUrl?: string;
  redisUrl?: string;
  /** `HUB_PROCESSES`: 1 when unset. */
  processes?: number | 'auto';
  /** `LOG_LEVEL`: `info` by default, so the tests can read which process did what. */
  logLevel?: string;
  /** Any other configuration (README's table). */
  env?: Record<string, string>;
}

/**
 * A real hub as operators run it (`hub/main.ts` under tsx, configured by environment) in a child
 * process of its own, on free ports and a temp DATA_DIR, its log kept for the test to read. Killed
 * with the test process whatever happens (bench/lib/processes.ts).
 */
export class HubProcess {
  /** Every line the process wrote (stdout and stderr), oldest first. */
  readonly lines: string[] = [];
  private partial = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly httpPort: number,
    readonly mqttPort: number,
  ) {
    const collect = (chunk: Buffer) => {
      const text = this.partial + chunk.toString();
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts.filter((line) => line.length > 0));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  /** Spawns the hub without waiting for it (a start that must fail). */
  static async spawn(options: HubProcessOptions = {}): Promise<HubProcess> {
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      PORT: String(httpPort),
      MQTT_PORT: String(mqttPort),
      DATA_DIR: tempDir('yiyang-hub-process-'),
      ADMIN_PASSWORD: adminPassword,
      PASSWORD_SCRYPT_N: '1024',
      LOG_LEVEL: options.logLevel ?? 'info',
      HUB_PROCESSES: String(options.processes ?? 1),
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      ...options.env,
    };
    const child = spawnTsx(undefined, 'hub/main.ts', { env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new HubProcess(child, httpPort, mqttPort);
  }

  /**
   * Spawns the hub and resolves once `/healthz` answers 200 from it (an error with its last log lines
   * if not). Its ports were free a moment before it binds them: one taken meanwhile by another test's
   * server (another worker's hubs bind ephemeral ports all the time) stops it with EADDRINUSE, and it
   * is spawned again on new ports; an answer from that other server (its pid) is not taken for it.
   */
  static async start(options: HubProcessOptions = {}, timeoutMs = 60_000): Promise<HubProcess> {
    for (let attempt = 1; ; attempt++) {
      const hub = await HubProcess.spawn(options);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (hub.hasExited) {
          if (attempt < 3 && hub.lines.some((l) => l.includes('EADDRINUSE'))) break;
          throw new Error(`the hub exited during start (${hub.exitSummary()}):\n${hub.tail()}`);
        }
        const answer = await hub.healthz().catch(() => undefined);
        if (answer?.status === 200 && hub.answers(answer.body.pid)) return hub;
        if (Date.now() > deadline) {
          await hub.kill();
          throw new Error(`the hub did not answer /healthz within ${timeoutMs} ms:\n${hub.tail()}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Whether a `/healthz` pid is this hub's: the process itself or (HUB_PROCESSES > 1) one of its workers. */
  private answers(pid: number | undefined): boolean {
    if (pid === undefined) return false;
    if (pid === this.child.pid) return true;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === this.child.pid;
    } catch {
      return false;
    }
  }

  /** The process that was started (with `HUB_PROCESSES` > 1: the primary). */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.mqttPort}`;
  }

  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /**
   * `GET /healthz` on a connection of its own (no keep-alive): with several processes on the port,
   * each request may reach another one.
   */
  async healthz(): Promise<{ status: number; body: { status?: string; pid?: number } }> {
    const answer = await singleRequest(`${this.httpUrl}/healthz`);
    return { status: answer.status, body: JSON.parse(answer.body) };
  }

  /** The log's JSON lines that `match`. */
  logs(match: (line: LogLine) => boolean = () => true): LogLine[] {
    return this.lines.map(parseLine).filter(match);
  }

  /** Waits until the log has `count` lines that `match`; an error naming `what`, with the log's tail, if not. */
  async waitForLogs(
    what: string,
    match: (line: LogLine) => boolean,
    count = 1,
    timeoutMs = 30_000,
  ): Promise<LogLine[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline)
        throw new Error(
          `the hub logged ${found.length} of ${count} × ${what} within ${timeoutMs} ms:\n${this.tail()}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves with the exit code once the process exits; an error with the log's tail after `timeoutMs`. */
  async waitForExit(timeoutMs = 30_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the hub did not exit within ${timeoutMs} ms:\n${this.tail()}`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([exited(this.child), timeout]);
      return this.child.exitCode;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then the exit code once it has exited (an error after `timeoutMs`: it is then killed). */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    if (this.hasExited) return this.child.exitCode;
    this.child.kill('SIGTERM');
    try {
      return await this.waitForExit(timeoutMs);
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** Sends `signal` (SIGKILL: a crash) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.hasExited) return;
    this.child.kill(signal);
    await exited(this.child);
  }

  /** The log's last lines, for an error message. */
  tail(count = 30): string {
    return [...this.lines, this.partial].slice(-count).join('\n');
  }

  private exitSummary(): string {
    return this.child.signalCode ? `signal ${this.child.signalCode}` : `code ${this.child.exitCode}`;
  }
}

function parseLine(line: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as LogLine) : { msg: line };
  } catch {
    return { msg: line };
  }
}

/** Whether a process with this pid is alive (signal 0 only checks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
