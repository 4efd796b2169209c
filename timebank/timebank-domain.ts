import type { Logger } from 'pino';
import { routeSet, type Stage } from '../kernel/stage.js';
import type { Store } from '../store/database.js';
import { Ledger } from './ledger.js';
import { type KinshipsOf, timebankRoutes } from './routes.js';
import type { TimebankRules } from './rules.js';

/** The time bank: the ledger of volunteers' minutes, its catalog, transfers and statements. */
export function timebankDomain(deps: {
  store: Store;
  now: () => number;
  rules: TimebankRules;
  logger: Logger;
  /** Gifts go to kin: the family links of the elders' care records. */
  kinships: KinshipsOf;
}) {
  const ledger = new Ledger({ store: deps.store, now: deps.now, rules: deps.rules });
  const funds: Stage = {
    async start() {
      const kept = await ledger.start();
      if (kept.length)
        deps.logger.warn({ funds: kept }, 'funds beyond a lowered overdraft keep their old one');
    },
    stop() {},
  };
  return {
    ledger,
    stages: { funds },
    routes: [routeSet('/api/v1/timebank', timebankRoutes, { ledger, kinships: deps.kinships })],
  };
}
