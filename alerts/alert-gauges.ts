import { sql } from 'kysely';
import type { HubMetrics } from '../kernel/metrics.js';
import type { Database } from '../store/database.js';
import { activeStatuses, severities } from './alert-model.js';

/**
 * The active alerts as gauges, read from the store at each scrape: the store is the truth (alerts
 * of a previous run or another node count too), and active alerts are few (indexed by status).
 * An alert waiting for a person shows as the age of the oldest one nobody acknowledged.
 */
export class AlertGauges {
  constructor(
    private readonly deps: {
      db: Database;
      now: () => number;
      metrics: Pick<HubMetrics, 'alertsActive' | 'oldestUnacknowledged'>;
    },
  ) {}

  async sample(): Promise<void> {
    const { alertsActive, oldestUnacknowledged } = this.deps.metrics;
    try {
      const rows = await this.deps.db
        .selectFrom('alerts')
        .select((eb) => [
          'severity',
          eb.fn.countAll<number | string>().as('active'),
          eb.fn.count<number | string>('acknowledged_at').as('acknowledged'),
          sql<number | string | null>`min(case when acknowledged_at is null then opened_at end)`.as(
            'oldestOpenedAt',
          ),
        ])
        .where('status', 'in', activeStatuses)
        .groupBy('severity')
        .execute();
      const now = this.deps.now();
      // Every severity is set, 0 when none: a rule then reads 0, not an absent series.
      for (const severity of severities) {
        const row = rows.find((r) => r.severity === severity);
        const active = Number(row?.active ?? 0);
        const acknowledged = Number(row?.acknowledged ?? 0);
        alertsActive.set({ severity, acknowledged: 'yes' }, acknowledged);
        alertsActive.set({ severity, acknowledged: 'no' }, active - acknowledged);
        const oldest = row?.oldestOpenedAt;
        oldestUnacknowledged.set({ severity }, oldest == null ? 0 : (now - Number(oldest)) / 1000);
      }
    } catch {
      // The store does not answer (`yiyang_ready` says so): no figures rather than stale ones.
      alertsActive.reset();
      oldestUnacknowledged.reset();
    }
  }
}
