import type { ChildProcess } from 'node:child_process';
import { spawnTsx, stopChild } from './processes.js';

export interface Credentials {
  id: string;
  /** Absent for an anonymous client (mosquitto). */
  secret?: string;
}

/** What a load process is told over IPC; it answers each with one reply. */
export type LoadCommand =
  | { op: 'connect'; url: string; clients: Credentials[]; connectTimeoutMs: number }
  | {
      op: 'publish';
      qos: 0 | 1;
      /** Messages per client, and the wall-clock ms after which no client starts another. */
      perClient: number;
      until: number;
      /** QoS 1: unacknowledged publishes each client keeps in flight. */
      window: number;
      /** QoS 1: at most this many messages a second per client (open loop); absent, as fast as acknowledged. */
      ratePerClient?: number;
      payload: string;
      /** QoS 0: end with one QoS 1 publish, whose PUBACK says the broker has read all before it. */
      fence: boolean;
    }
  | { op: 'end' };

export interface ConnectReply {
  op: 'connected';
  connected: number;
  failed: number;
  errors: string[];
  /** Wall-clock ms: first client started, last client created, last CONNACK. */
  startedAt: number;
  createdAt: number;
  lastConnackAt: number;
  latenciesMs: number[];
}

export interface PublishReply {
  op: 'published';
  sent: number;
  acked: number;
  fences: number;
  errors: string[];
  startedAt: number;
  finishedAt: number;
}

export type LoadReply = ConnectReply | PublishReply | { op: 'ended' } | { op: 'ready' };

const workerFile = new URL('./load-worker.ts', import.meta.url).pathname;

/** A load generator in its own process (mqtt.js clients), pinned to core 1, driven over IPC. */
export class LoadProcess {
  readonly pid: number;

  private constructor(private readonly child: ChildProcess) {
    this.pid = child.pid!;
  }

  static async start(options: { openFiles?: number; maxLifetimeMs?: number } = {}): Promise<LoadProcess> {
    const child = spawnTsx(1, workerFile, {
      stdio: ['ignore', 2, 2, 'ipc'],
      openFiles: options.openFiles,
      env: { ...process.env, LOAD_MAX_LIFETIME_MS: String(options.maxLifetimeMs ?? 300_000) },
    });
    const load = new LoadProcess(child);
    await load.next('ready', 30_000);
    return load;
  }

  connect(command: Omit<Extract<LoadCommand, { op: 'connect' }>, 'op'>): Promise<ConnectReply> {
    return this.request({ op: 'connect', ...command }, 'connected', command.connectTimeoutMs + 30_000);
  }

  publish(command: Omit<Extract<LoadCommand, { op: 'publish' }>, 'op'>): Promise<PublishReply> {
    return this.request({ op: 'publish', ...command }, 'published', command.until - Date.now() + 60_000);
  }

  async end(): Promise<void> {
    await this.request({ op: 'end' }, 'ended', 60_000);
  }

  stop(): Promise<void> {
    return stopChild(this.child, 3000);
  }

  private request<K extends LoadReply['op']>(
    command: LoadCommand,
    op: K,
    timeoutMs: number,
  ): Promise<Extract<LoadReply, { op: K }>> {
    const reply = this.next(op, timeoutMs);
    this.child.send(command);
    return reply;
  }

  private next<K extends LoadReply['op']>(op: K, timeoutMs: number): Promise<Extract<LoadReply, { op: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`load process gave no ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: LoadReply) => {
        cleanup();
        if (message.op === op) resolve(message as Extract<LoadReply, { op: K }>);
        else reject(new Error(`load process answered ${message.op}, expected ${op}`));
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`load process exited (code ${code}) while waiting for ${op}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
    });
  }
}

/** Splits `items` over `n` processes round-robin. */
export function deal<T>(items: T[], n: number): T[][] {
  const hands: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => {
    hands[i % n]!.push(item);
  });
  return hands;
}
