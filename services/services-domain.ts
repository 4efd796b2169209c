import type { AlertUpdate } from '../alerts/alert-book.js';
import type { Channel } from '../kernel/channel.js';
import { routeSet, type Stage } from '../kernel/stage.js';
import type { Database } from '../store/database.js';
import type { ServiceCredits } from './service-order-model.js';
import { serviceOrderRoutes } from './service-order-routes.js';
import { ServiceOrders } from './service-orders.js';

/** How far back the start looks for resolved alerts whose volunteer's service was not recorded. */
const missedResponsesWindowMs = 7 * 86_400_000;

/** Service orders: requests, taking, rating, certification (credits), and volunteers' answers to alerts. */
export function servicesDomain(deps: {
  db: Database;
  credits: ServiceCredits;
  updates: Channel<AlertUpdate>;
  now: () => number;
}) {
  const orders = new ServiceOrders({ db: deps.db, credits: deps.credits, now: deps.now });
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
    stages: { emergencyResponses },
    routes: [routeSet('/api/v1/service-orders', serviceOrderRoutes, { orders })],
  };
}
