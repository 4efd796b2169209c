import type { ChildProcess } from 'node:child_process';
import { spawnTsx, stopChild } from './processes.js';

export interface Credentials {
  id: string;
  /** Absent for an anonymous client (mosquitto). */
  secret?: string;
}

/** What a load process is told over IPC; it answers each with one reply. */
/** How a client retries a refused or failed CONNECT, as devices do: exponential backoff with full jitter. */
export interface RetryPolicy {
  /** The first retry waits up to this long, each further one twice as long… */
  baseMs: number;
  /** …but never more than this. */
  maxMs: number;
}

export type LoadCommand =
  | {
      op: 'connect';
      url: string;
      clients: Credentials[];
      /** A client not connected this long after its first attempt counts as failed (retries included). */
      connectTimeoutMs: number;
      /**
       * Retry on CONNACK 3 (server unavailable) and on a connection lost before its CONNACK; absent, one attempt.
       * Other refusals (bad credentials, unknown id) are final.
       */
      retry?: RetryPolicy;
      /** Start at most this many clients a second (absent: all in one loop). */
      perSecond?: number;
    }
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
  | {
      op: 'stream';
      /**
       * The first `clients` of this process's clients (of those whose id starts with `prefix`, in the order they
       * were connected) send telemetry (QoS 0) to `care/<id>/telemetry`; 0: events only.
       */
      clients: number;
      prefix?: string;
      /** Messages a second per client, open loop: the process sends on a schedule, spread evenly over its clients. */
      ratePerClient: number;
      /** Wall-clock ms: when sending starts (both processes together) and how long it lasts. */
      startAt: number;
      seconds: number;
      /**
       * The telemetry JSON without its `ts` (`"heart_rate":…}`): each second the process builds
       * `{"ts":<now>,` + this once and sends that same payload from every client.
       */
      telemetryRest: string;
      /**
       * QoS 1 events (`type`, default `sos`) to `care/<id>/event`, `perClient` from each of these clients, spread over
       * the run; event ids `<idPrefix>-<client id>-<k>`.
       */
      events?: {
        clientIds: string[];
        perClient: number;
        idPrefix: string;
        ackTimeoutMs: number;
        type?: string;
      };
    }
  | { op: 'end' };

export interface ConnectReply {
  op: 'connected';
  connected: number;
  failed: number;
  errors: string[];
  /** CONNACK 3 (server unavailable) answers, and the clients that got at least one. */
  refused: number;
  refusedClients: number;
  /** Attempts after a client's first (refused, or its connection lost before CONNACK). */
  retries: number;
  /** Wall-clock ms: first client started, last client created, last CONNACK. */
  startedAt: number;
  createdAt: number;
  lastConnackAt: number;
  /** Per connected client: its first attempt → its CONNACK (retries included). */
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

export interface StreamReply {
  op: 'streamed';
  /** Telemetry messages handed to the clients' sockets (the loop catches up with its schedule when late). */
  sent: number;
  /** Scheduled messages not sent because their client was not connected. */
  skipped: number;
  /** Wall-clock ms of the first and last telemetry message. */
  startedAt: number;
  finishedAt: number;
  /** How late the send loop ran behind its schedule: p99 and worst tick, ms (large: the load process is the bottleneck). */
  lateP99Ms: number;
  lateMaxMs: number;
  /** SOS events: published, PUBACKed (with each one's publish → PUBACK time), errors, the last PUBACK's time. */
  events: {
    sent: number;
    acked: number;
    errors: string[];
    lastAckAt: number;
    ackMs: number[];
    /** Each event's id and wall-clock ms of its publish (`now()` of stats.ts). */
    published: Array<[eventId: string, at: number]>;
    /** Each PUBACKed event's id and wall-clock ms of its PUBACK. */
    ackedAt: Array<[eventId: string, at: number]>;
  };
  /** Clients whose connection closed before the end. */
  closed: number;
  /** This load process's memory at the end (VmRSS, MiB). */
  rssMiB: number;
}

export type LoadReply = ConnectReply | PublishReply | StreamReply | { op: 'ended' } | { op: 'ready' };

const workerFile = new URL('./load-worker.ts', import.meta.url).pathname;

/** A load generator in its own process (mqtt.js clients), pinned to core 1, driven over IPC. */
export class LoadProcess {
  readonly pid: number;
  private seq = 0;

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

  /** `count` load processes, started together. */
  static startMany(
    count: number,
    options: { openFiles?: number; maxLifetimeMs?: number },
  ): Promise<LoadProcess[]> {
    return Promise.all(Array.from({ length: count }, () => LoadProcess.start(options)));
  }

  connect(command: Omit<Extract<LoadCommand, { op: 'connect' }>, 'op'>): Promise<ConnectReply> {
    const spawnMs = command.perSecond ? (command.clients.length / command.perSecond) * 1000 : 0;
    return this.request(
      { op: 'connect', ...command },
      'connected',
      command.connectTimeoutMs + spawnMs + 30_000,
    );
  }

  publish(command: Omit<Extract<LoadCommand, { op: 'publish' }>, 'op'>): Promise<PublishReply> {
    return this.request({ op: 'publish', ...command }, 'published', command.until - Date.now() + 60_000);
  }

  stream(command: Omit<Extract<LoadCommand, { op: 'stream' }>, 'op'>): Promise<StreamReply> {
    const ends = command.startAt + command.seconds * 1000 + (command.events?.ackTimeoutMs ?? 0);
    return this.request({ op: 'stream', ...command }, 'streamed', ends - Date.now() + 60_000);
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
    // Requests may overlap (two streams at once): each reply carries its request's number.
    const seq = ++this.seq;
    const reply = this.next(op, timeoutMs, seq);
    this.child.send({ ...command, seq });
    return reply;
  }

  private next<K extends LoadReply['op']>(
    op: K,
    timeoutMs: number,
    seq?: number,
  ): Promise<Extract<LoadReply, { op: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`load process gave no ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: LoadReply & { seq?: number }) => {
        if (seq !== undefined && message.seq !== seq) return;
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

/** Telemetry messages sent (or skipped: their client's connection had closed) over several stream replies. */
export function streamTotal(replies: StreamReply[], key: 'sent' | 'skipped'): number {
  return replies.reduce((n, r) => n + r[key], 0);
}

/** Splits `items` over `n` processes round-robin. */
export function deal<T>(items: T[], n: number): T[][] {
  const hands: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => {
    hands[i % n]!.push(item);
  });
  return hands;
}
