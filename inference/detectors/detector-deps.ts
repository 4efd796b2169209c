import type { Logger } from 'pino';
import type { AlertBook } from '../../alerts/alert-book.js';
import type { DeviceCatalog } from '../../devices/catalog.js';
import type { StoredEvent } from '../../ingest/event-log.js';
import type { Reading } from '../../ingest/readings.js';
import type { Channel } from '../../kernel/channel.js';
import type { DistrictDirectory } from '../../registry/district-directory.js';
import type { Database } from '../../store/database.js';

/** What the detectors read of the district. */
export type DetectorDistrict = Pick<DistrictDirectory, 'homes' | 'elder' | 'devicesMeasuring' | 'changed'>;

/** The one dependencies object every detector stage takes. */
export interface DetectorDeps<Rules> {
  db: Database;
  alerts: AlertBook;
  /** What each device type measures (detectors read capabilities, never type names). */
  catalog: DeviceCatalog;
  /** Elders' homes and devices: in cluster mode, the homes of this process's elders only. */
  district: DetectorDistrict;
  readings: Channel<Reading>;
  events: Channel<StoredEvent>;
  now: () => number;
  logger: Logger;
  rules: Rules;
}

export { severityRank } from '../../alerts/alert-model.js';

/** What a started detector runs: its subscriptions to readings and events, its tick and reconcile timers. */
export class DetectorRun {
  private readonly stops: Array<() => void> = [];

  begin(
    deps: DetectorDeps<{ tickMs: number; reconcileMs: number }>,
    detector: {
      reading: (reading: Reading) => void;
      event: (event: StoredEvent) => void;
      /** Raises (or clears) what is due now. */
      tick: () => void;
      /** Brings open incidents in line with the store (another node may have closed them). */
      reconcile: () => Promise<void>;
    },
  ): void {
    const tick = setInterval(detector.tick, deps.rules.tickMs);
    const reconcile = setInterval(() => void detector.reconcile(), deps.rules.reconcileMs);
    this.stops.push(
      deps.readings.subscribe(detector.reading),
      deps.events.subscribe(detector.event),
      () => clearInterval(tick),
      () => clearInterval(reconcile),
    );
  }

  end(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}
