import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { closeRedis, reportOutages, subscriberOptions } from '../kernel/redis-connections.js';

/**
 * Carries per-elder work (readings) to the process that owns the elder's partition: handed over in
 * process when this process owns it (no Redis hop), otherwise one PUBLISH to the partition's channel,
 * to which only its owner subscribes. At most once, by design: a reading sent while a partition
 * changes hands, or while Redis is down, is counted and dropped — the new owner rebuilds its windows
 * from the next readings and its baselines from the store. Events never travel this way: they are
 * stored, and acknowledged, by the process the device is connected to.
 */
export class PartitionBus<T> {
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;
  private readonly subscribed = new Set<number>();
  /** Sent to Redis and heard by no owner, or not sent because Redis was unreachable. */
  undelivered = 0;
  /** Carried through Redis (sent by this process). */
  published = 0;

  constructor(
    private readonly deps: {
      redisUrl: string;
      /** Channel names start with this (one district's hubs share it). */
      channelPrefix: string;
      partitionOf: (item: T) => number;
      owns: (partition: number) => boolean;
      encode: (item: T) => string;
      decode: (text: string) => T;
      /** Hands an item to this process's per-elder work. */
      deliver: (item: T) => void;
      logger: Logger;
    },
  ) {}

  async start(): Promise<void> {
    const options = {
      // Never queue while Redis is away: a backlog of readings would arrive stale, and grow without bound.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
    };
    this.publisher = new Redis(this.deps.redisUrl, { ...options, connectionName: 'yiyang-bus-pub' });
    // The subscriber queues its SUBSCRIBEs while away and resubscribes on reconnect (ioredis does both).
    this.subscriber = new Redis(this.deps.redisUrl, {
      ...subscriberOptions,
      lazyConnect: true,
      connectionName: 'yiyang-bus-sub',
    });
    for (const connection of [this.publisher, this.subscriber])
      reportOutages(connection, this.deps.logger, 'partition bus');
    this.subscriber.on('message', (channel: string, text: string) => this.received(channel, text));
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.publisher, this.subscriber].map((c) => c && closeRedis(c)));
    this.subscribed.clear();
  }

  /** Whether items can be sent through Redis now. */
  get reachable(): boolean {
    return this.publisher?.status === 'ready';
  }

  /** The partitions this process now owns: their channels are listened to. */
  async acquired(partitions: number[]): Promise<void> {
    const fresh = partitions.filter((p) => !this.subscribed.has(p));
    for (const p of fresh) this.subscribed.add(p);
    if (fresh.length > 0) await this.subscriber?.subscribe(...fresh.map((p) => this.channel(p)));
  }

  /** The partitions given up: no longer listened to. */
  async released(partitions: number[]): Promise<void> {
    const gone = partitions.filter((p) => this.subscribed.delete(p));
    if (gone.length > 0) await this.subscriber?.unsubscribe(...gone.map((p) => this.channel(p)));
  }

  /** Sends an item to its partition's owner, this process included. */
  send(item: T): void {
    const partition = this.deps.partitionOf(item);
    if (this.deps.owns(partition)) {
      this.deps.deliver(item);
      return;
    }
    const publisher = this.publisher;
    if (publisher?.status !== 'ready') {
      this.undelivered++;
      return;
    }
    this.published++;
    publisher.publish(this.channel(partition), this.deps.encode(item)).then(
      (listeners) => {
        if (listeners === 0) this.undelivered++;
      },
      () => {
        this.undelivered++;
      },
    );
  }

  private received(channel: string, text: string): void {
    const partition = Number(channel.slice(channel.lastIndexOf(':') + 1));
    // Published before this process gave the partition up: its new owner has it, or will rebuild.
    if (!this.deps.owns(partition)) return;
    let item: T;
    try {
      item = this.deps.decode(text);
    } catch (error) {
      this.deps.logger.warn({ err: error, channel }, 'partition bus: an item that does not decode, dropped');
      return;
    }
    this.deps.deliver(item);
  }

  private channel(partition: number): string {
    return `${this.deps.channelPrefix}:p:${partition}`;
  }
}
