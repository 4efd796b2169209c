import type { Logger } from 'pino';
import type { DeviceCatalog } from '../devices/catalog.js';
import { Channel } from '../kernel/channel.js';
import type { HubMetrics } from '../kernel/metrics.js';
import type { DistrictDirectory } from '../registry/district-directory.js';
import type { Database } from '../store/database.js';
import {
  DeviceHealth,
  defaultHealthRules,
  type HealthChange,
  type HealthCondition,
} from './device-health.js';
import { type AvailabilityChange, DeviceIntake } from './device-intake.js';
import { DeviceRates } from './device-rates.js';
import { EventLog, type StoredEvent } from './event-log.js';
import { HotWindows } from './hot-windows.js';
import { LastHeard } from './last-heard.js';
import { MinuteRollups } from './minute-rollups.js';
import { type Reading, ReadingValidator } from './readings.js';
import { TelemetryAdmission } from './telemetry-admission.js';
import { type TimeSeriesTarget, TimeSeriesWriter } from './time-series.js';
import { VitalsHistory } from './vitals-history.js';

/** What ingest is told by the hub's configuration. */
export interface IngestSettings {
  maxPayloadBytes: number;
  /** Telemetry handled a second at most, all devices together; beyond, shed as under overload (0: no cap). */
  telemetryMaxPerS: number;
  rollupRetentionDays: number;
  /** One device's own limits: generous for any real device (a watch streams 1/s), tight for a loop. */
  deviceTelemetryPerS: number;
  deviceEventsPerS: number;
  /** Where full telemetry goes (a server of the InfluxDB v2 write API); unset: rollups only. */
  timeSeries?: TimeSeriesTarget | undefined;
}

/**
 * Everything between the gateway and the detectors: intake (validation, the event
 * log, load shedding), and the stages that follow the readings — device health,
 * minute rollups, hot windows and, when configured, the time series writer.
 */
export class IngestStage {
  readonly readings: Channel<Reading>;
  readonly events: Channel<StoredEvent>;
  readonly availability: Channel<AvailabilityChange>;
  /** Device conditions beginning and ending (offline, low battery, not worn). */
  readonly healthChanges: Channel<HealthChange>;
  readonly eventLog: EventLog;
  readonly intake: DeviceIntake;
  readonly health: DeviceHealth;
  /** When each device was last heard by this process (every telemetry message, shed or not). */
  readonly heard: LastHeard;
  readonly hotWindows = new HotWindows();
  readonly history: VitalsHistory;
  /** Telemetry from arrival to the readings: counted, marked heard, shed or queued and handled in budgets. */
  readonly admission: TelemetryAdmission;
  readonly rollups: MinuteRollups;
  private readonly timeSeries: TimeSeriesWriter | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly district: DistrictDirectory;

  constructor(deps: {
    db: Database;
    catalog: DeviceCatalog;
    /** The district's master data: org units of elders, devices revoked. */
    district: DistrictDirectory;
    settings: IngestSettings;
    /** Devices whose condition was on when the hub last stopped. */
    conditionsOn: (condition: HealthCondition) => Promise<string[]>;
    metrics: HubMetrics;
    now: () => number;
    log: (component: string) => Logger;
    channelError: (name: string) => (error: unknown) => void;
    /**
     * Cluster mode: device health watches the devices of this process's elders, from their readings
     * and events as carried here from every process. Unset: every device, from this process's own.
     */
    watched?: {
      readings: Channel<Reading>;
      events: Channel<StoredEvent>;
      owns: (deviceId: string) => boolean;
    };
  }) {
    const { db, catalog, settings, metrics, now, log, channelError } = deps;
    this.district = deps.district;
    this.readings = new Channel<Reading>(channelError('readings'));
    this.events = new Channel<StoredEvent>(channelError('events'));
    this.availability = new Channel<AvailabilityChange>(channelError('availability'));
    this.healthChanges = new Channel<HealthChange>(channelError('health'));
    this.eventLog = new EventLog({ db, catalog });
    const heard = new LastHeard();
    this.heard = heard;
    this.intake = new DeviceIntake({
      validator: new ReadingValidator({ catalog, maxPayloadBytes: settings.maxPayloadBytes, now }),
      catalog,
      eventLog: this.eventLog,
      readings: this.readings,
      events: this.events,
      availability: this.availability,
      rates: { events: new DeviceRates({ perSecond: settings.deviceEventsPerS, burst: 30 }) },
      heard,
      counters: {
        clockSkewed: () => metrics.clockSkewed.inc(),
        eventStored: (type) => metrics.eventsStored.inc({ type }),
      },
      now,
    });
    this.admission = new TelemetryAdmission({
      heard,
      rates: new DeviceRates({
        perSecond: settings.deviceTelemetryPerS,
        burst: 5 * settings.deviceTelemetryPerS,
      }),
      handle: (device, payload) => this.intake.telemetry(device, payload),
      rules: {
        floor: 0.05,
        // A queue absorbs what a GC pause or a burst piles up, so that a load the hub can carry on average
        // sheds nothing; events never wait in it. A second of telemetry is stale enough to shed.
        shedAboveMs: 1000,
        roomBelowMs: 250,
        maxPerSecond: settings.telemetryMaxPerS,
      },
      // An event waits for at most this much telemetry (plus one read of the sockets).
      budgetMs: 5,
      intervalMs: 100,
      // ~1 s of a watch fleet at full speed: far more than the keep share lets build up.
      maxQueued: { messages: 32_768, bytes: 32 << 20 },
      // Telemetry a second old is worth less than fresh: after an overload it held the share at 5 % for seconds.
      staleAfterMs: 1000,
      now,
      clock: () => performance.now(),
      shareGauge: (share) => metrics.shedShare.set(share),
    });
    metrics.followCount(metrics.messagesIn, () => this.admission.arrived, { kind: 'telemetry' });
    metrics.followCount(metrics.telemetryShed, () => this.admission.shed);
    metrics.sampleAtScrape(() => metrics.telemetryQueued.set(this.admission.backlog));
    this.health = new DeviceHealth({
      db,
      catalog,
      changes: this.healthChanges,
      conditionsOn: deps.conditionsOn,
      readings: deps.watched?.readings ?? this.readings,
      events: deps.watched?.events ?? this.events,
      owns: deps.watched?.owns,
      availability: this.availability,
      heard,
      now,
      logger: log('health'),
      rules: defaultHealthRules,
    });
    metrics.sampleAtScrape(() => {
      const { watched, offline } = this.health.census();
      metrics.devicesWatched.set(watched);
      metrics.devicesOffline.set(offline);
    });
    this.rollups = new MinuteRollups({
      db,
      readings: this.readings,
      events: this.events,
      now,
      logger: log('rollups'),
      retentionDays: settings.rollupRetentionDays,
      flushMs: 10_000,
    });
    this.history = new VitalsHistory({ db });
    this.timeSeries = settings.timeSeries
      ? new TimeSeriesWriter({
          target: settings.timeSeries,
          directory: deps.district,
          readings: this.readings,
          events: this.events,
          metrics,
          logger: log('timeseries'),
          shutdownFlushMs: 10_000,
        })
      : undefined;
  }

  async start(): Promise<void> {
    this.unsubscribe.push(
      this.readings.subscribe((r) => this.hotWindows.add(r)),
      // A revoked device is watched no more (its conditions end, their alerts close).
      this.district.changed.subscribe((u) => {
        for (const id of u.revokedDevices) this.health.forget(id);
      }),
    );
    this.timeSeries?.start();
    this.rollups.start();
    await this.health.start();
    this.admission.start();
  }

  /** Why the time-series server does not take lines now (null: fine, or none configured). */
  timeSeriesUnavailable(): string | null {
    return this.timeSeries?.unavailable() ?? null;
  }

  /** After the gateway has stopped taking messages: flush what is buffered. */
  async stop(): Promise<void> {
    this.admission.stop();
    for (const u of this.unsubscribe.splice(0)) u();
    await this.health.stop();
    await this.rollups.stop();
    await this.timeSeries?.stop();
  }
}
