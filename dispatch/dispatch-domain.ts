import type { Logger } from 'pino';
import type { AlertBook, AlertUpdate } from '../alerts/alert-book.js';
import type { AuditTrail } from '../kernel/audit.js';
import { Channel } from '../kernel/channel.js';
import type { HubMetrics } from '../kernel/metrics.js';
import { routeSet } from '../kernel/stage.js';
import type { CareRecords } from '../registry/care-records.js';
import type { DistrictDirectory } from '../registry/district-directory.js';
import type { PeopleNames } from '../registry/people-names.js';
import type { Database } from '../store/database.js';
import { alertActionRoutes } from './alert-actions.js';
import { callLogRoutes } from './call-log-routes.js';
import type { DispatchTimings } from './dispatch-timings.js';
import { Dispatcher, type DispatchNotice } from './dispatcher.js';
import { NoticeWebhook, type NoticeWebhookSettings } from './notice-webhook.js';
import { OfferPush, type PushSettings } from './push/offer-push.js';
import { pushRoutes } from './push/push-routes.js';
import { PushSubscriptions } from './push/push-subscriptions.js';
import { VapidKeys } from './push/vapid-keys.js';

/** Getting a person to the door: ladders, offers, acceptances, specialists' actions on alerts. */
export function dispatchDomain(deps: {
  db: Database;
  alerts: AlertBook;
  updates: Channel<AlertUpdate>;
  district: DistrictDirectory;
  notify: (deviceId: string, text: string) => Promise<unknown>;
  timings: DispatchTimings;
  now: () => number;
  logger: Logger;
  channelError: (name: string) => (error: unknown) => void;
  /** Where reads of a person's record are recorded (the alert detail names them). */
  audit: AuditTrail;
  metrics: HubMetrics;
  /** The care records: whom a specialist's call reached, by position in calling order. */
  careRecords: CareRecords;
  /** Where offers and family escalations are also POSTed; unset: nowhere. */
  webhook?: NoticeWebhookSettings | undefined;
  /** People's names, for the alert detail (who acknowledged, who acted). */
  names: PeopleNames;
  /** Web Push to the responders' phones. */
  push: PushSettings;
  /** Cluster mode: the ladders of this process's elders only (see Dispatcher). */
  cluster?: { owns: (elderId: string) => boolean } | undefined;
}) {
  const notices = new Channel<DispatchNotice>(deps.channelError('dispatch'));
  const webhook =
    deps.webhook &&
    new NoticeWebhook({
      db: deps.db,
      notices,
      careRecords: deps.careRecords,
      alerts: deps.alerts,
      settings: deps.webhook,
      now: deps.now,
      logger: deps.logger.child({ component: 'notice-webhook' }),
      counted: (type, result) => deps.metrics.noticeWebhook.inc({ type, result }),
    });
  const vapidKeys = new VapidKeys({ db: deps.db, now: deps.now });
  const subscriptions = new PushSubscriptions({ db: deps.db, now: deps.now });
  const push = new OfferPush({
    db: deps.db,
    notices,
    subscriptions,
    keys: vapidKeys,
    settings: deps.push,
    now: deps.now,
    logger: deps.logger.child({ component: 'push' }),
    counted: (type, result) => deps.metrics.pushDeliveries.inc({ type, result }),
    dropped: async (responderId): Promise<void> => dispatcher.reachableByPush(responderId, false),
  });
  const dispatcher = new Dispatcher({
    db: deps.db,
    alerts: deps.alerts,
    district: deps.district,
    updates: deps.updates,
    notices,
    notify: deps.notify,
    timings: deps.timings,
    now: deps.now,
    logger: deps.logger,
    tickMs: 1000,
    metrics: deps.metrics,
    cluster: deps.cluster,
    outboxes: webhook ? [push, webhook] : [push],
  });
  if (webhook)
    deps.metrics.sampleAtScrape(async () => deps.metrics.noticeWebhookWaiting.set(await webhook.waiting()));
  deps.metrics.sampleAtScrape(async () => deps.metrics.pushWaiting.set(await push.waiting()));
  return {
    dispatcher,
    notices,
    stages: { dispatcher, webhook, vapidKeys, push },
    routes: [
      routeSet('/api/v1/alerts', alertActionRoutes, {
        alerts: deps.alerts,
        dispatcher,
        audit: deps.audit,
        names: deps.names,
      }),
      routeSet('/api/v1/alerts', callLogRoutes, { alerts: deps.alerts, records: deps.careRecords }),
      routeSet('/api/v1/push', pushRoutes, {
        keys: vapidKeys,
        subscriptions,
        serviceHosts: deps.push.serviceHosts,
        reachable: async (responderId, reachable) => dispatcher.reachableByPush(responderId, reachable),
      }),
    ],
  };
}
