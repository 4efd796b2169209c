import type { Logger } from 'pino';
import type { AlertBook } from '../alerts/alert-book.js';
import type { DeviceCatalog } from '../devices/catalog.js';
import type { Reading } from '../ingest/readings.js';
import type { Channel } from '../kernel/channel.js';
import type { Database } from '../store/database.js';
import type { FallModelAlarm } from './pool/protocol.js';
import { defaultRadarFusionRules, type RadarFusionRules } from './radar-postures.js';

/** What FallAlerts (fall-alerts.ts) is configured with and what it works with. */
export interface FallAlertRules extends RadarFusionRules {
  /** How long the wearer has to press "I'm OK" once the watch says it detected a fall (ms). */
  cancelWindowMs: number;
  /** The radar seeing the person lying this long after the fall: recorded on the alert (ms). */
  lyingAfterMs: number;
  /** A window whose fall could not be raised (the store failed) tries again after this long (ms). */
  raiseRetryMs: number;
}

export const defaultFallAlertRules: FallAlertRules = {
  cancelWindowMs: 30_000,
  lyingAfterMs: 2 * 60_000,
  raiseRetryMs: 5_000,
  ...defaultRadarFusionRules,
};

export interface FallAlertsDeps {
  alarms: Channel<FallModelAlarm>;
  /** Room sensors' posture is read from here. */
  readings: Channel<Reading>;
  alerts: AlertBook;
  /** Where falls in their cancel window are kept (a crash must not lose them). */
  db: Database;
  /** Which devices let the wearer cancel a fall they saw (their type sends `ok`). */
  catalog: DeviceCatalog;
  /** Shows a text on the watch (the hub sends a `notify` command, level `alert`). */
  notify: (deviceId: string, text: string) => Promise<unknown>;
  logger: Logger;
  now: () => number;
  rules?: Partial<FallAlertRules>;
  /** The elder's own cancel window (ms) if their settings set one; else the rules'. */
  cancelWindowOf?: (elderId: string) => number | undefined;
  /** Cluster mode: whether the elder is this process's (their falls come here). All, when unset. */
  owns?: ((elderId: string) => boolean) | undefined;
  /**
   * How long a span of `now`'s clock takes on the timers: the same unless the hub runs on a faster
   * clock (the district simulator's), whose windows must still last their span of that clock.
   */
  timerMs?: ((hubMs: number) => number) | undefined;
}
