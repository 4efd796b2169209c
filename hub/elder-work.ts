import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { type ElderOwnership, ElderPartitions, everyElder } from '../cluster/elder-partitions.js';
import type { DetectorDistrict } from '../inference/detectors/detector-deps.js';
import type { StoredEvent } from '../ingest/event-log.js';
import { HotWindows } from '../ingest/hot-windows.js';
import type { LastHeard } from '../ingest/last-heard.js';
import type { Reading } from '../ingest/readings.js';
import { Channel } from '../kernel/channel.js';
import type { Stage } from '../kernel/stage.js';
import type { DistrictDirectory } from '../registry/district-directory.js';
import type { HubConfig } from './config.js';
import { type Heard, HeardRelay } from './heard-relay.js';

/** How often each process counts the members and takes or gives partitions: takeover well within 10 s. */
const leaseCheckMs = 2_000;

/**
 * The seam between the stages that take input (gateway, ingest) and the per-elder work — detectors,
 * the fall model, event alerts, device silence, welfare checks, escalation ladders.
 *
 * In one process it is no seam at all: every elder is this process's and the channels are ingest's
 * own. In cluster mode (`REDIS_URL`) the elders are hashed into partitions, each owned by one live
 * process (cluster/); the readings and events of an elder, whatever process its devices talk to,
 * are carried to that owner, which alone keeps the elder's state and acts on it.
 */
export class ElderWork {
  readonly ownership: ElderOwnership;
  /** In cluster mode: the readings and events of this process's elders, from every process. */
  readonly carried: { readings: Channel<Reading>; events: Channel<StoredEvent> } | undefined;
  private readonly partitions: ElderPartitions | undefined;
  private readonly district: DistrictDirectory;

  constructor(deps: {
    config: HubConfig;
    district: DistrictDirectory;
    logger: Logger;
    channelError: (name: string) => (error: unknown) => void;
  }) {
    const { config } = deps;
    this.district = deps.district;
    if (config.redisUrl && config.databaseUrl) {
      this.partitions = new ElderPartitions({
        databaseUrl: config.databaseUrl,
        redisUrl: config.redisUrl,
        partitions: config.clusterPartitions,
        memberId: `yiyang ${hostname()}:${process.pid}`,
        checkEveryMs: leaseCheckMs,
        leaseTimeoutMs: config.clusterLeaseTimeoutS * 1000,
        logger: deps.logger,
        onError: deps.channelError('partitions'),
      });
      this.ownership = this.partitions;
      this.carried = {
        readings: new Channel<Reading>(deps.channelError('elder-readings')),
        events: new Channel<StoredEvent>(deps.channelError('elder-events')),
      };
    } else {
      this.ownership = everyElder();
      this.carried = undefined;
    }
  }

  /**
   * Why cluster mode works only in part now (null: it does not, or this is one process): listed
   * under `degraded` by /readyz — every process shares Redis, so a balancer must not act on it.
   */
  degraded(): string | null {
    if (!this.partitions) return null;
    return this.partitions.redisReachable ? null : 'redis_unavailable';
  }

  /** The partitions this process holds now (one process: its one partition). */
  get owned(): number[] {
    return this.partitions?.owned ?? [0];
  }

  get clustered(): boolean {
    return this.partitions !== undefined;
  }

  /** Whether this process does the elder's work. */
  owns = (elderId: string): boolean => this.ownership.owns(elderId);

  /** A device's work is its elder's; an unassigned device's goes by its own id. */
  ownsDevice = (deviceId: string): boolean =>
    this.ownership.owns(this.district.elderOfDevice(deviceId) ?? deviceId);

  /** A stored event's handling is its elder's owner's; an event of no elder, whoever stored it. */
  ownsEvent = (event: StoredEvent): boolean => event.elderId === null || this.ownership.owns(event.elderId);

  /**
   * Connects ingest's channels to the per-elder work: in one process they are the per-elder channels;
   * in cluster mode their items are carried to each elder's owner. Returns the channels the per-elder
   * stages subscribe to, and the hot windows the fall model reads (filled from those readings).
   */
  connect(ingest: { readings: Channel<Reading>; events: Channel<StoredEvent>; hotWindows: HotWindows }) {
    const { partitions, carried } = this;
    if (!partitions || !carried) return ingest;
    partitions.carry('readings', ingest.readings, carried.readings, (r) => r.elderId);
    partitions.carry('events', ingest.events, carried.events, (e) => e.elderId);
    const hotWindows = new HotWindows();
    carried.readings.subscribe((r) => hotWindows.add(r));
    return { readings: carried.readings, events: carried.events, hotWindows };
  }

  /** For the detectors in cluster mode: the homes of this process's elders, the rest as the district has it. */
  homes(): DetectorDistrict {
    const { district } = this;
    return {
      homes: () => district.homes().filter((h) => this.owns(h.id)),
      elder: (id) => district.elder(id),
      devicesMeasuring: (elderId, capability) => district.devicesMeasuring(elderId, capability),
      changed: district.changed,
    };
  }

  /**
   * Cluster mode: what this process heard of other owners' devices (shed or refused telemetry makes no
   * reading) is told to them, and what others heard of this process's is given to `health`.
   */
  heardRelay(
    heard: LastHeard,
    health: { heardElsewhere(deviceId: string, type: string, at: number): void },
  ): HeardRelay | undefined {
    if (!this.partitions) return undefined;
    const send = this.partitions.stream<Heard[]>('heard', (batch) => {
      for (const [deviceId, type, at] of batch) health.heardElsewhere(deviceId, type, at);
    });
    return new HeardRelay({
      heard,
      ownsDevice: this.ownsDevice,
      partitionOfDevice: (id) => this.ownership.partitionOf(this.district.elderOfDevice(id) ?? id),
      send,
    });
  }

  /** Calls `takeOver` (each a stage's rebuild from the store) whenever partitions change hands. */
  onTakeOver(...takeOver: Array<() => Promise<void>>): void {
    this.ownership.changed.subscribe(async () => {
      await Promise.all(takeOver.map((t) => t()));
    });
  }

  /** Cluster mode's stage: takes this process's partitions, gives them back at stop. */
  get stage(): Stage | undefined {
    return this.partitions;
  }
}
