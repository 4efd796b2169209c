import { pino } from 'pino';
import { afterEach, beforeEach, vi } from 'vitest';
import { AlertBook, type AlertUpdate } from '../../alerts/alert-book.js';
import type { Posture } from '../../devices/capabilities.js';
import { type DeviceCatalog, loadDeviceCatalog } from '../../devices/catalog.js';
import { type FallAlertRules, FallAlerts } from '../../inference/fall-alerts.js';
import type { FallModelAlarm } from '../../inference/pool/protocol.js';
import type { Reading } from '../../ingest/readings.js';
import { Channel } from '../../kernel/channel.js';
import type { Store } from '../../store/database.js';
import type { Dialect } from './databases.js';
import { radarReading } from './radar-reading.js';
import { storeWithElder } from './small-store.js';

let catalog: DeviceCatalog | undefined;

/** Where the kit's fake clock starts: 10:00 in the district (UTC+8). */
export const kitMorning = Date.UTC(2026, 10, 30, 2, 0, 0);

export interface FallAlertsOptions {
  cancelWindowOf?: (elderId: string) => number | undefined;
  rules?: Partial<FallAlertRules>;
  /** Cluster mode: whether this process owns the elder now (all, when unset). */
  owns?: (elderId: string) => boolean;
}

/**
 * FallAlerts on a real store with elder e-0001 (watch w-0001, radar r-0001 unless told
 * otherwise), the watch's texts and the alert changes collected, under fake timers.
 */
export class FallAlertsKit {
  fallAlerts!: FallAlerts;
  alarms!: Channel<FallModelAlarm>;
  readings!: Channel<Reading>;
  readonly told: Array<{ deviceId: string; text: string }> = [];
  readonly updates: AlertUpdate[] = [];
  alerts!: AlertBook;
  private eventSeq = 0;
  private options: FallAlertsOptions = {};

  private constructor(readonly store: Store) {}

  static async open(
    dialect: Dialect,
    devices = [
      { id: 'w-0001', type: 'watch' },
      { id: 'r-0001', type: 'fall_radar' },
    ],
  ): Promise<FallAlertsKit> {
    catalog ??= await loadDeviceCatalog();
    const kit = new FallAlertsKit(await storeWithElder(dialect, devices));
    await kit.start();
    return kit;
  }

  /** A fresh FallAlerts on the same store (after a stop or a crash); the options stay unless given. */
  async start(options?: FallAlertsOptions): Promise<FallAlerts> {
    if (options) this.options = options;
    const fail = (e: unknown) => {
      throw e;
    };
    this.alarms = new Channel<FallModelAlarm>(fail);
    this.readings = new Channel<Reading>(fail);
    const alertUpdates = new Channel<AlertUpdate>(fail);
    alertUpdates.subscribe((u) => {
      this.updates.push(u);
    });
    this.alerts = new AlertBook({ db: this.store.db, updates: alertUpdates, now: Date.now });
    this.fallAlerts = new FallAlerts({
      alarms: this.alarms,
      readings: this.readings,
      alerts: this.alerts,
      db: this.store.db,
      catalog: catalog!,
      notify: async (deviceId, text) => {
        this.told.push({ deviceId, text });
      },
      logger: pino({ level: 'silent' }),
      now: Date.now,
      ...(this.options.cancelWindowOf ? { cancelWindowOf: this.options.cancelWindowOf } : {}),
      ...(this.options.rules ? { rules: this.options.rules } : {}),
      ...(this.options.owns ? { owns: this.options.owns } : {}),
    });
    await this.fallAlerts.start();
    return this.fallAlerts;
  }

  modelAlarm(score = 0.97): void {
    this.alarms.publish({
      deviceId: 'w-0001',
      elderId: 'e-0001',
      peakMs: Date.now() - 4000,
      peakG: 4.2,
      score,
    });
  }

  /** An event as EventAlerts hands it over: without waiting, like the channel did. */
  event(deviceId: string, deviceType: string, type: string, data: Record<string, unknown> = {}): void {
    void this.handled(deviceId, deviceType, type, data);
  }

  /** The same, and what EventAlerts waits for before it marks the event handled. */
  handled(
    deviceId: string,
    deviceType: string,
    type: string,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    const eventId = String(++this.eventSeq);
    return this.fallAlerts.handleEvent({
      deviceId,
      deviceType,
      elderId: 'e-0001',
      eventId,
      type,
      ts: Date.now(),
      receivedAt: Date.now(),
      data: { ts: Date.now(), event_id: eventId, type, ...data },
      measured: undefined,
    });
  }

  radar(posture: Posture, presence = true, targets?: number): void {
    this.readings.publish(radarReading(posture, presence, targets));
  }

  /** Advances fake time in 1 s steps, letting the store work of each step finish. */
  async advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 1000) {
      await vi.advanceTimersByTimeAsync(Math.min(1000, ms - t));
      await this.fallAlerts.idle();
    }
  }

  /** The radar reporting `posture` every 2 s for `ms`. */
  async radarFor(ms: number, posture: Posture, targets?: number): Promise<void> {
    for (let t = 0; t < ms; t += 2000) {
      this.radar(posture, true, targets);
      await this.advance(Math.min(2000, ms - t));
    }
  }

  async falls() {
    const rows = await this.store.db
      .selectFrom('alerts')
      .select(['id', 'status', 'severity', 'outcome', 'details'])
      .where('kind', '=', 'fall')
      .execute();
    return rows.map((a) => ({ ...a, details: JSON.parse(a.details) as Record<string, unknown> }));
  }

  /** The hub dies: its timers and in-memory windows are gone, nothing is stopped or flushed. */
  async crashAndRestart(downMs: number): Promise<void> {
    await this.fallAlerts.idle();
    const diedAt = Date.now();
    vi.clearAllTimers(); // (this also winds the fake clock back to its start)
    vi.setSystemTime(diedAt + downMs);
    await this.start();
  }

  async close(): Promise<void> {
    await this.fallAlerts.stop();
    await this.store.close();
  }
}

/**
 * A fresh kit for each test of the describe block, at a fixed morning under fake timers;
 * the getter gives the current test's.
 */
export function useFallAlertsKit(dialect: Dialect): () => FallAlertsKit {
  let kit: FallAlertsKit | undefined;
  beforeEach(async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
      now: kitMorning,
    });
    kit = await FallAlertsKit.open(dialect);
  });
  afterEach(async () => {
    await kit?.close();
    vi.useRealTimers();
  });
  return () => kit!;
}
