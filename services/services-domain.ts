import type { Logger } from 'pino';
import type { AlertUpdate } from '../alerts/alert-book.js';
import type { Channel } from '../kernel/channel.js';
import { routeSet, type Stage } from '../kernel/stage.js';
import type { Database } from '../store/database.js';
import { recurringRequestRoutes } from './recurring-request-routes.js';
import { RecurringRequests } from './recurring-requests.js';
import { serviceKindRoutes } from './service-kind-routes.js';
import type { ServiceCredits } from './service-order-model.js';
import { serviceOrderRoutes } from './service-order-routes.js';
import { ServiceOrders } from './service-orders.js';
import type { SendCommand } from './service-visits.js';

/** How far back the start looks for resolved alerts whose volunteer's service was not recorded. */
const missedResponsesWindowMs = 7 * 86_400_000;

/** Service orders: the menu of kinds, requests, taking, rating, certification (credits), and volunteers' answers to alerts. */
export function servicesDomain(deps: {
  db: Database;
  credits: ServiceCredits;
  updates: Channel<AlertUpdate>;
  now: () => number;
  /** The district's local time (the time bank's), for recurring requests' times of day. */
  utcOffsetMinutes: number;
  logger: Logger;
  /** Service visits are checked in and out within this distance of the home (dispatch's on-site radius). */
  onSiteRadiusM: number;
  /** The elder's watch, which shows a visit's confirmation code. */
  watchOf: (elderId: string) => string | null;
  send: SendCommand;
}) {
  const orders = new ServiceOrders({
    db: deps.db,
    credits: deps.credits,
    now: deps.now,
    onSiteRadiusM: deps.onSiteRadiusM,
    watchOf: deps.watchOf,
    send: deps.send,
    logger: deps.logger,
    utcOffsetMinutes: deps.utcOffsetMinutes,
  });
  const recurring = new RecurringRequests({
    db: deps.db,
    requests: orders.requests,
    now: deps.now,
    utcOffsetMinutes: deps.utcOffsetMinutes,
    tickMs: 60_000,
    logger: deps.logger,
  });
  let unsubscribe: (() => void) | undefined;
  /** A volunteer's answer to a resolved alert becomes a service record to rate and certify. */
  const emergencyResponses: Stage = {
    async start() {
      unsubscribe = deps.updates.subscribe(async (u) => {
        if (u.change === 'closed') await orders.recordEmergencyResponse(u.alert);
      });
      // Alerts resolved while no node recorded their volunteer's service (a crash in between).
      await orders.recordMissedEmergencyResponses(deps.now() - missedResponsesWindowMs);
    },
    stop() {
      unsubscribe?.();
    },
  };
  return {
    orders,
    recurring,
    stages: { emergencyResponses, recurring },
    routes: [
      routeSet('/api/v1/service-orders', serviceOrderRoutes, { orders }),
      routeSet('/api/v1/recurring-requests', recurringRequestRoutes, { recurring }),
      routeSet('/api/v1/service-kinds', serviceKindRoutes, { kinds: orders.kinds }),
    ],
  };
}
