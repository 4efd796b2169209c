import type { AuditTrail } from '../kernel/audit.js';
import { routeSet } from '../kernel/stage.js';
import { IngestStage } from './ingest-stage.js';
import { vitalsRoutes } from './vitals-routes.js';

export type { IngestSettings } from './ingest-stage.js';

/** Ingest: readings and events in by capability, the event log, device health, rollups, time series. */
export function ingestDomain(
  deps: ConstructorParameters<typeof IngestStage>[0] & {
    /** Where reads of a person's vitals are recorded. */
    audit: AuditTrail;
  },
) {
  const ingest = new IngestStage(deps);
  return {
    ingest,
    stages: { ingest },
    routes: [
      routeSet('/api/v1/elders', vitalsRoutes, {
        history: ingest.history,
        now: deps.now,
        audit: deps.audit,
      }),
    ],
  };
}
