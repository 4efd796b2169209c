import type { Logger } from 'pino';
import type { AlertBook, Severity } from '../../dispatch/alert-book.js';
import type { Channel } from '../../gateway/channel.js';
import type { StoredEvent } from '../../ingest/event-log.js';
import type { Reading } from '../../ingest/readings.js';
import type { Database } from '../../store/database.js';

/** The one dependencies object every detector stage takes. */
export interface DetectorDeps<Rules> {
  db: Database;
  alerts: AlertBook;
  readings: Channel<Reading>;
  events: Channel<StoredEvent>;
  now: () => number;
  logger: Logger;
  rules: Rules;
}

/** Severity as a number that grows with urgency (0: nothing raised). */
export const severityRank: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };
