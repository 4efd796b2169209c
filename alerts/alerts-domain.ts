import type { Logger } from 'pino';
import type { HealthChange } from '../ingest/device-health.js';
import type { EventLog, StoredEvent } from '../ingest/event-log.js';
import { Channel } from '../kernel/channel.js';
import type { HubMetrics } from '../kernel/metrics.js';
import { routeSet } from '../kernel/stage.js';
import type { Database } from '../store/database.js';
import { AlertBook, type AlertUpdate } from './alert-book.js';
import { AlertGauges } from './alert-gauges.js';
import { alertRoutes } from './alert-routes.js';
import { EventAlerts } from './event-alerts.js';
import { HealthAlerts } from './health-alerts.js';

/**
 * The alerts: the book every raise and move goes through (announced on `updates`), device
 * health's conditions as alerts, and the device events that open alerts by themselves (SOS),
 * replayed at start when they were stored but not yet handled; the active alerts as gauges.
 */
export function alertsDomain(deps: {
  db: Database;
  now: () => number;
  log: (component: string) => Logger;
  channelError: (name: string) => (error: unknown) => void;
  metrics: HubMetrics;
  /** Stored device events, live and from the event log. */
  events: Channel<StoredEvent>;
  eventLog: EventLog;
  healthChanges: Channel<HealthChange>;
  /** Cluster mode: whether a stored event's elder is this process's to replay (see EventAlerts). */
  ownsEvent?: ((event: StoredEvent) => boolean) | undefined;
}) {
  const { db, now, log, metrics } = deps;
  const updates = new Channel<AlertUpdate>(deps.channelError('alerts'));
  updates.subscribe((u) => {
    if (u.change === 'opened') metrics.alertsOpened.inc({ kind: u.alert.kind });
  });
  const alerts = new AlertBook({ db, updates, now, metrics });
  const gauges = new AlertGauges({ db, now, metrics });
  metrics.sampleAtScrape(() => gauges.sample());
  const health = new HealthAlerts({ alerts, changes: deps.healthChanges, logger: log('health') });
  const events = new EventAlerts({
    events: deps.events,
    eventLog: deps.eventLog,
    alerts,
    logger: log('alerts'),
    now,
    owns: deps.ownsEvent,
  });
  return {
    alerts,
    updates,
    health,
    events,
    stages: { health, events },
    routes: [routeSet('/api/v1/alerts', alertRoutes, { alerts })],
  };
}
