import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { AlertBook } from '../alerts/alert-book.js';
import type { EventAlerts } from '../alerts/event-alerts.js';
import type { DeviceCatalog } from '../devices/catalog.js';
import type { StoredEvent } from '../ingest/event-log.js';
import type { HotWindows } from '../ingest/hot-windows.js';
import type { Reading } from '../ingest/readings.js';
import type { AuditTrail, PersonalDataAccess } from '../kernel/audit.js';
import { Channel } from '../kernel/channel.js';
import { routeSet } from '../kernel/stage.js';
import type { CareSettingValues } from '../registry/care-settings.js';
import type { DistrictDirectory } from '../registry/district-directory.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import type { DetectorDistrict } from './detectors/detector-deps.js';
import { type DetectorRules, Detectors, defaultDetectorRules } from './detectors/index.js';
import { FallAlerts } from './fall-alerts.js';
import { type FallModelAlarm, InferencePool } from './pool/index.js';
import type { RadarFusionRules } from './radar-postures.js';
import { WelfareBook } from './welfare/welfare-book.js';
import {
  defaultWelfareRules,
  type SendCommand,
  WelfareChecks,
  type WelfareRules,
} from './welfare/welfare-checks.js';
import { welfareRoutes } from './welfare/welfare-routes.js';

export interface InferenceSettings {
  /** Worker threads of the fall model; 0: cores − 1 (at least 1). */
  workers: number;
  /** How long the wearer has to press "I'm OK" after a fall the watch saw. */
  fallCancelWindowMs: number;
  /** What the home's radar does to a watch's fall in its window (radar-postures.ts); defaults when unset. */
  fallFusion?: RadarFusionRules;
  /** How long a span of the hub's clock takes on the timers (the simulator's clock runs faster). */
  timerMs?: (hubMs: number) => number;
  rules?: DetectorRules;
  /** Local time of the welfare schedules: the hub's UTC offset. */
  utcOffsetMinutes: number;
  welfare?: Partial<WelfareRules>;
}

/** The per-elder settings as this hub's configuration sets them for everyone: the defaults under every unit's. */
export function careDefaultsOf(settings: InferenceSettings): CareSettingValues {
  const { vitals, wandering, inactivity } = settings.rules ?? defaultDetectorRules;
  return {
    heart_rate_low: vitals.heartRate.low,
    heart_rate_high: vitals.heartRate.high,
    spo2_low: vitals.spo2.low,
    quiet_start_hour: wandering.quietHours.startHour,
    quiet_end_hour: wandering.quietHours.endHour,
    geofence_radius_m: wandering.geofenceRadiusM,
    inactivity_span_min: Math.round(inactivity.spanMs / 60_000),
    fall_cancel_window_s: Math.round(settings.fallCancelWindowMs / 1000),
  };
}

/**
 * What the hub notices: falls (the model in worker threads, watch and radar events, with the
 * wearer's cancel window), the rule-based detectors (vitals, wandering, inactivity) and the
 * welfare checks and medication reminders through the watch.
 */
export function inferenceDomain(deps: {
  db: Database;
  catalog: DeviceCatalog;
  district: DistrictDirectory;
  alerts: AlertBook;
  /** Fall events and "I'm OK" are handed over by the event alerts (live and on replay). */
  eventAlerts: EventAlerts;
  readings: Channel<Reading>;
  events: Channel<StoredEvent>;
  hotWindows: HotWindows;
  notify: (deviceId: string, text: string) => Promise<unknown>;
  /** Any command with the caller's `command_id` (welfare check-ins match the answer to it). */
  command: SendCommand;
  audit: AuditTrail;
  auditIn: (trx: Transaction<Tables>, access: PersonalDataAccess) => Promise<void>;
  now: () => number;
  log: (component: string) => Logger;
  channelError: (name: string) => (error: unknown) => void;
  settings: InferenceSettings;
  /**
   * Cluster mode: the homes of this process's elders (the readings and events above are theirs,
   * carried here from every process), whose-elder-is-whose and its changes.
   */
  ownership?:
    | {
        homes: DetectorDistrict;
        owns: (elderId: string) => boolean;
        changed: { subscribe(listener: () => void): () => void };
      }
    | undefined;
}) {
  const { db, catalog, district, alerts, readings, events, now, log, settings, ownership } = deps;
  const detectors = new Detectors({
    db,
    alerts,
    catalog,
    district: ownership?.homes ?? district,
    ownershipChanged: ownership?.changed,
    readings,
    events,
    now,
    logger: log('detectors'),
    rules: settings.rules ?? defaultDetectorRules,
  });
  const alarms = new Channel<FallModelAlarm>(deps.channelError('fall-alarms'));
  const pool = new InferencePool({
    readings,
    hotWindows: deps.hotWindows,
    alarms,
    logger: log('inference'),
    options: settings.workers ? { workers: settings.workers } : {},
  });
  const fallAlerts = new FallAlerts({
    alarms,
    readings,
    alerts,
    db,
    catalog,
    notify: deps.notify,
    logger: log('fall-alerts'),
    now,
    rules: { cancelWindowMs: settings.fallCancelWindowMs, ...settings.fallFusion },
    timerMs: settings.timerMs,
    owns: ownership?.owns,
    cancelWindowOf: (elderId) => {
      const seconds = district.elder(elderId)?.settings.fall_cancel_window_s;
      return seconds === undefined ? undefined : seconds * 1000;
    },
  });
  deps.eventAlerts.answerWith(fallAlerts);
  const welfareBook = new WelfareBook(db);
  const welfare = new WelfareChecks({
    book: welfareBook,
    alerts,
    district,
    send: deps.command,
    now,
    logger: log('welfare'),
    owns: ownership?.owns,
    rules: { ...defaultWelfareRules, utcOffsetMinutes: settings.utcOffsetMinutes, ...settings.welfare },
  });
  deps.eventAlerts.answerWith(welfare);
  return {
    detectors,
    pool,
    fallAlerts,
    welfare,
    // The pool's last alarms still reach FallAlerts at its stop (reverse order), which raises
    // any fall still in its cancel window and can still tell the watch.
    stages: { detectors, fallAlerts, pool, welfare },
    routes: [
      routeSet('/api/v1/elders', welfareRoutes, {
        db,
        book: welfareBook,
        district,
        audit: deps.audit,
        auditIn: deps.auditIn,
        now,
      }),
    ],
  };
}
