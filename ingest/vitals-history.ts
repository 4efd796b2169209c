import type { Database } from '../store/database.js';
import { underPath } from '../store/scope.js';
import { mergeRows } from './minute-rollups.js';

export interface Range {
  min: number | null;
  mean: number | null;
  max: number | null;
}

export interface VitalsPoint {
  /** Start of the step (ms). */
  t: number;
  heart_rate: Range;
  spo2: Range;
  breathing_rate: Range;
  steps: number | null;
  presence_ms: number;
  posture_ms: { standing: number; sitting: number; lying: number };
  door_openings: number;
}

const range = (min: number | null, max: number | null, sum: number, count: number): Range => ({
  min,
  mean: count > 0 ? Math.round((sum / count) * 10) / 10 : null,
  max,
});

/** Chart series for one elder from the minute rollups of all their devices. */
export class VitalsHistory {
  constructor(private readonly deps: { db: Database }) {}

  /** Whether the elder exists within the scope (a missing and a hidden elder look the same). */
  async visible(elderId: string, scopePath: string): Promise<boolean> {
    const row = await this.deps.db
      .selectFrom('elders as e')
      .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
      .select('e.id')
      .where('e.id', '=', elderId)
      .where(underPath('o.path', scopePath))
      .executeTakeFirst();
    return Boolean(row);
  }

  async series(elderId: string, from: number, to: number, stepMs: number): Promise<VitalsPoint[]> {
    const rows = await this.deps.db
      .selectFrom('rollups_1m')
      .selectAll()
      .where('elder_id', '=', elderId)
      .where('minute', '>=', from)
      .where('minute', '<', to)
      .orderBy('minute')
      .execute();
    const buckets = new Map<number, (typeof rows)[number]>();
    for (const row of rows) {
      const t = from + Math.floor((row.minute - from) / stepMs) * stepMs;
      const bucket = buckets.get(t);
      buckets.set(t, bucket ? mergeRows(bucket, row) : { ...row, minute: t });
    }
    return [...buckets.values()].map((b) => ({
      t: b.minute,
      heart_rate: range(b.hr_min, b.hr_max, b.hr_sum, b.hr_count),
      spo2: range(b.spo2_min, b.spo2_max, b.spo2_sum, b.spo2_count),
      breathing_rate: range(b.br_min, b.br_max, b.br_sum, b.br_count),
      steps: b.steps,
      presence_ms: b.presence_ms,
      posture_ms: { standing: b.standing_ms, sitting: b.sitting_ms, lying: b.lying_ms },
      door_openings: b.door_openings,
    }));
  }
}
