import type { Logger } from 'pino';
import { Channel } from '../kernel/channel.js';
import { PartitionBus } from './partition-bus.js';
import { PartitionLeases } from './partition-leases.js';
import { partitionOf } from './partitions.js';

/** The elders' partitions' advisory-lock key space: 'yy' in the high bytes; the next one counts the members. */
export const elderLeaseSpace = 0x7979_0000;

/** Partitions this process took or gave up in one check. */
export interface OwnershipChange {
  acquired: number[];
  released: number[];
}

/**
 * Whose per-elder work this process does: fall streams, vitals, wandering, inactivity, device
 * silence, escalation ladders. One process does everyone's; in cluster mode, its partitions'.
 */
export interface ElderOwnership {
  owns(elderId: string): boolean;
  /**
   * Whether this process runs the district-wide sweeps (retention): the holder of partition 0, so
   * exactly one live process does, and another within a lease check of its death.
   */
  leads(): boolean;
  /** Published after partitions were taken or given up: per-elder stages re-read whom they watch. */
  readonly changed: Channel<OwnershipChange>;
  /** Partitions there are (1 in one process). */
  readonly partitions: number;
  partitionOf(elderId: string): number;
}

/** One process: every elder is its own, and that never changes. */
export function everyElder(): ElderOwnership {
  return {
    owns: () => true,
    leads: () => true,
    changed: new Channel<OwnershipChange>(() => undefined),
    partitions: 1,
    partitionOf: () => 0,
  };
}

/** A stream of per-elder items carried to the owner of each elder's partition. */
interface Carried<T> {
  bus: PartitionBus<{ p: number; item: T }>;
}

/**
 * Cluster mode's ownership: the elders' partitions held through PostgreSQL advisory locks
 * (`PartitionLeases`), and the streams of per-elder items (readings, events, heard devices) carried to
 * each partition's owner over Redis (`PartitionBus`). A stage: `start()` takes this process's share,
 * `stop()` gives every partition back at once, so the others take them at their next check.
 */
export class ElderPartitions implements ElderOwnership {
  readonly changed: Channel<OwnershipChange>;
  readonly partitions: number;
  private readonly leases: PartitionLeases;
  private readonly carried: Array<Carried<unknown>> = [];

  constructor(
    private readonly deps: {
      databaseUrl: string;
      redisUrl: string;
      partitions: number;
      /** This process as the others see it (`host:pid`). */
      memberId: string;
      /** How often each process counts the members and takes or gives partitions. */
      checkEveryMs: number;
      /** A member silent this long is taken for hung: its session is ended, its partitions taken. */
      leaseTimeoutMs: number;
      logger: Logger;
      onError: (error: unknown) => void;
    },
  ) {
    this.partitions = deps.partitions;
    this.changed = new Channel<OwnershipChange>(deps.onError);
    this.leases = new PartitionLeases({
      databaseUrl: deps.databaseUrl,
      partitions: deps.partitions,
      namespace: elderLeaseSpace,
      memberId: deps.memberId,
      checkEveryMs: deps.checkEveryMs,
      leaseTimeoutMs: deps.leaseTimeoutMs,
      logger: deps.logger,
      acquired: (ps) => this.moved({ acquired: ps, released: [] }),
      released: (ps) => this.moved({ acquired: [], released: ps }),
    });
  }

  partitionOf(elderId: string): number {
    return partitionOf(elderId, this.partitions);
  }

  owns(elderId: string): boolean {
    return this.leases.owns(this.partitionOf(elderId));
  }

  leads(): boolean {
    return this.leases.owns(0);
  }

  /** Whether Redis carries the streams now (else each owner finds its events in the store's sweep). */
  get redisReachable(): boolean {
    return this.carried.every((c) => c.bus.reachable);
  }

  /** Partitions held now (ascending): for logs, metrics and tests. */
  get owned(): number[] {
    return this.leases.owned;
  }

  /**
   * Carries what is published on `from` to the owner of its elder's partition, which publishes it on
   * `to` — handed over in process when that is this one. Items of no elder stay in this process.
   * At most once (see PartitionBus): a stream whose loss matters must also be recoverable from the store.
   */
  carry<T>(name: string, from: Channel<T>, to: Channel<T>, elderOf: (item: T) => string | null): void {
    const send = this.stream<T>(name, (item) => to.publish(item));
    from.subscribe((item) => {
      const elderId = elderOf(item);
      if (elderId === null) to.publish(item);
      else send(this.partitionOf(elderId), item);
    });
  }

  /**
   * A stream of items addressed to a partition's owner (`deliver` is given those that reach this
   * process): the sender. At most once, as `carry`.
   */
  stream<T>(name: string, deliver: (item: T) => void): (partition: number, item: T) => void {
    const bus = new PartitionBus<{ p: number; item: T }>({
      redisUrl: this.deps.redisUrl,
      channelPrefix: `yiyang:${name}`,
      partitionOf: (m) => m.p,
      owns: (p) => this.leases.owns(p),
      encode: (m) => JSON.stringify(m),
      decode: (text) => JSON.parse(text) as { p: number; item: T },
      deliver: (m) => deliver(m.item),
      logger: this.deps.logger.child({ stream: name }),
    });
    this.carried.push({ bus } as Carried<unknown>);
    return (p, item) => bus.send({ p, item });
  }

  async start(): Promise<void> {
    await Promise.all(this.carried.map((c) => c.bus.start()));
    await this.leases.start();
  }

  async stop(): Promise<void> {
    await this.leases.stop();
    await Promise.all(this.carried.map((c) => c.bus.stop()));
  }

  /** Listens to the partitions taken before anyone is told (so nothing sent to them is missed after). */
  private moved(change: OwnershipChange): void {
    const listening = this.carried.map((c) =>
      change.acquired.length > 0 ? c.bus.acquired(change.acquired) : c.bus.released(change.released),
    );
    Promise.all(listening).then(
      () => this.changed.publish(change),
      (error: unknown) => this.deps.onError(error),
    );
  }
}
