import type { Database } from '../store/database.js';

/** What saw a fall: the model on the watch's acceleration, the watch's own detector, a radar. */
export type FallSource = 'watch_model' | 'watch_event' | 'radar';

/** A detection waiting out the wearer's cancel window. */
export interface PendingFall {
  watchId: string;
  startedAt: number;
  sources: FallSource[];
  detections: number;
  details: Record<string, unknown>;
}

/**
 * Falls in their cancel window, kept in the store: written before the watch's `fall` event counts
 * as handled, removed once the alert is raised or the wearer cancelled it. A hub that dies in the
 * window finds them at its next start.
 */
export class PendingFalls {
  constructor(private readonly deps: { db: Database }) {}

  async save(elderId: string, fall: PendingFall): Promise<void> {
    const row = {
      elder_id: elderId,
      watch_id: fall.watchId,
      started_at: fall.startedAt,
      sources: JSON.stringify(fall.sources),
      detections: fall.detections,
      details: JSON.stringify(fall.details),
    };
    await this.deps.db
      .insertInto('pending_falls')
      .values(row)
      .onConflict((oc) =>
        oc.column('elder_id').doUpdateSet({
          sources: row.sources,
          detections: row.detections,
          details: row.details,
        }),
      )
      .execute();
  }

  async remove(elderId: string): Promise<void> {
    await this.deps.db.deleteFrom('pending_falls').where('elder_id', '=', elderId).execute();
  }

  async all(): Promise<Array<{ elderId: string; fall: PendingFall }>> {
    const rows = await this.deps.db.selectFrom('pending_falls').selectAll().execute();
    return rows.map((r) => ({
      elderId: r.elder_id,
      fall: {
        watchId: r.watch_id,
        startedAt: Number(r.started_at),
        sources: JSON.parse(r.sources) as FallSource[],
        detections: r.detections,
        details: JSON.parse(r.details) as Record<string, unknown>,
      },
    }));
  }
}

export function addSource(sources: FallSource[], source: FallSource): void {
  if (!sources.includes(source)) sources.push(source);
}

/** The first source is what raised the alarm; the others confirmed it. */
export function sourceDetails(sources: FallSource[]): Record<string, unknown> {
  return sources.length > 1
    ? { source: sources[0], corroborated_by: sources.slice(1) }
    : { source: sources[0] };
}
