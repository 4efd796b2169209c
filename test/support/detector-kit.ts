import { pino } from 'pino';
import { vi } from 'vitest';
import { AlertBook, type AlertUpdate } from '../../alerts/alert-book.js';
import type { Measurements } from '../../devices/capabilities.js';
import { type DeviceCatalog, loadDeviceCatalog } from '../../devices/catalog.js';
import type { DetectorDeps } from '../../inference/detectors/detector-deps.js';
import type { StoredEvent } from '../../ingest/event-log.js';
import { MinuteRollups } from '../../ingest/minute-rollups.js';
import type { Reading } from '../../ingest/readings.js';
import { Channel } from '../../kernel/channel.js';
import type { CareSettingName } from '../../registry/care-settings.js';
import { DistrictDirectory } from '../../registry/district-directory.js';
import type { Store } from '../../store/database.js';
import type { Dialect } from './databases.js';
import { storeWithElder } from './small-store.js';

/** The elder of `storeWithElder`: a watch, a radar and a door at 22.5531, 114.0412. */
export const elderId = 'e-0001';
export const home = { lat: 22.5531, lon: 114.0412 };
export const devices = [
  { id: 'w-0001', type: 'watch' },
  { id: 'r-0001', type: 'fall_radar' },
  { id: 'd-0001', type: 'door' },
];

/** A local time in Shenzhen (UTC+8) on 2026-11-30 (or `day` days later), as UTC ms. */
export function shenzhen(hour: number, minute = 0, day = 0): number {
  return Date.UTC(2026, 10, 30 + day, hour - 8, minute);
}

export function useFakeClock(at: number): void {
  vi.useFakeTimers({
    toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'],
    now: at,
  });
}

/** A store with one elder and their three devices, and the channels a detector listens to. */
export class DetectorRig {
  readonly readings = new Channel<Reading>((e) => {
    throw e;
  });
  readonly events = new Channel<StoredEvent>((e) => {
    throw e;
  });
  readonly updates: AlertUpdate[] = [];
  private eventCounter = 0;

  private constructor(
    readonly store: Store,
    readonly catalog: DeviceCatalog,
    /** The district as the detectors read it: `refresh()` it after changing the store. */
    readonly district: DistrictDirectory,
    private readonly devices: Array<{ id: string; type: string }>,
  ) {}

  /** `extra`: further devices of the elder, of types `catalog` declares. */
  static async open(
    dialect: Dialect,
    catalog?: DeviceCatalog,
    extra: Array<{ id: string; type: string }> = [],
  ): Promise<DetectorRig> {
    const all = [...devices, ...extra];
    const store = await storeWithElder(dialect, all);
    const types = catalog ?? (await loadDeviceCatalog());
    const district = new DistrictDirectory({
      db: store.db,
      catalog: types,
      // Not within any test's span of fake time: the rig's tests change the store and refresh() it.
      reloadMs: 2 ** 31 - 1,
      onError: () => undefined,
    });
    await district.start();
    return new DetectorRig(store, types, district, all);
  }

  /** Dependencies for a detector with these rules (a fresh alert book on the same store). */
  deps<R>(rules: R): DetectorDeps<R> {
    const updates = new Channel<AlertUpdate>((e) => {
      throw e;
    });
    updates.subscribe((u) => {
      this.updates.push(u);
    });
    return {
      db: this.store.db,
      alerts: new AlertBook({ db: this.store.db, updates, now: Date.now }),
      catalog: this.catalog,
      district: this.district,
      readings: this.readings,
      events: this.events,
      now: Date.now,
      logger: pino({ level: process.env.DETECTOR_LOG ?? 'silent' }),
      rules,
    };
  }

  /**
   * Minute rollups written from the rig's channels as ingest writes them: what the detectors
   * read back after a restart. `stop()` it before the restart to flush the open minutes.
   */
  rollups(): MinuteRollups {
    const rollups = new MinuteRollups({
      db: this.store.db,
      readings: this.readings,
      events: this.events,
      now: Date.now,
      logger: pino({ level: 'silent' }),
      retentionDays: 30,
      flushMs: 10_000,
    });
    rollups.start();
    return rollups;
  }

  /** Telemetry from one of the elder's devices, stamped now. */
  send(deviceId: string, data: Record<string, unknown>): void {
    const device = this.devices.find((d) => d.id === deviceId)!;
    const now = Date.now();
    this.readings.publish({
      deviceId,
      deviceType: device.type,
      elderId,
      ts: now,
      receivedAt: now,
      clockSkewed: false,
      data: { ts: now, ...data } as Measurements & { ts: number },
    });
  }

  /** A device event, stored (as ingest does before publishing) and published. */
  async event(deviceId: string, type: string): Promise<void> {
    const device = this.devices.find((d) => d.id === deviceId)!;
    const now = Date.now();
    const eventId = `ev-${++this.eventCounter}`;
    await this.store.db
      .insertInto('device_events')
      .values({
        device_id: deviceId,
        event_id: eventId,
        type,
        device_ts: now,
        received_at: now,
        payload: JSON.stringify({ ts: now, event_id: eventId, type }),
        handled_at: null,
        elder_id: elderId,
      })
      .execute();
    this.events.publish({
      deviceId,
      deviceType: device.type,
      elderId,
      eventId,
      type,
      ts: now,
      receivedAt: now,
      data: { ts: now, event_id: eventId, type },
      measured: this.catalog.get(device.type)?.events[type]?.sets,
    });
  }

  /** Stores one of the elder's own settings as the settings API does, and reloads the district. */
  async setting(name: CareSettingName, value: number): Promise<void> {
    await this.store.db
      .insertInto('care_settings')
      .values({
        owner_kind: 'elder',
        owner_id: elderId,
        name,
        value,
        updated_at: Date.now(),
        updated_by: 'test',
      })
      .execute();
    await this.district.refresh('settings');
  }

  /** Every alert of a kind, oldest first, as the store has it. */
  async alerts(kind: string) {
    const rows = await this.store.db
      .selectFrom('alerts')
      .select(['status', 'severity', 'outcome', 'details', 'device_id'])
      .where('kind', '=', kind)
      .orderBy('opened_at')
      .execute();
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  /** Alerts of a kind as `status/severity` strings: compact to compare. */
  async summary(kind: string): Promise<string[]> {
    return (await this.alerts(kind)).map(
      (a) => `${a.status}/${a.severity}${a.outcome ? `/${a.outcome}` : ''}`,
    );
  }

  async close(): Promise<void> {
    await this.district.stop();
    await this.store.close();
  }
}

/**
 * Advances fake time in `stepMs` steps (the detector's 1 s ticks fire inside each step),
 * calling `each` before every step (e.g. to send a reading) and waiting for the store after it.
 */
export async function advance(
  ms: number,
  idle: () => Promise<void>,
  options: { stepMs?: number; each?: () => void | Promise<void> } = {},
): Promise<void> {
  const step = options.stepMs ?? 1000;
  for (let t = 0; t < ms; t += step) {
    await options.each?.();
    await vi.advanceTimersByTimeAsync(Math.min(step, ms - t));
    await idle();
  }
}
