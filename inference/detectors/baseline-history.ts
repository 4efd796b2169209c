import { sql } from 'kysely';
import type { Database } from '../../store/database.js';

const dayMs = 86_400_000;
/** Elders per query: each query walks the (elder_id, minute) index and returns at most ~100 rows a day each. */
const eldersPerQuery = 200;

/**
 * Rebuilds heart-rate baselines after a start from the minute rollups (there is no table of
 * their own): each device-minute's mean heart rate, counted per elder, local day and 1-bpm bin,
 * aggregated by the database. Minutes in [from, to) only, so the live path (from `to` on)
 * never counts a minute twice.
 *
 * Trade-off: a week of minutes is read once per start, in chunks of elders so that neither
 * the database nor the hub holds it all at once; the baseline is as good as the rollups
 * (their retention, and late minutes still in memory at a crash are lost).
 */
export async function replayHeartRateMinutes(
  db: Database,
  elderIds: readonly string[],
  window: { from: number; to: number; utcOffsetMinutes: number },
  add: (elderId: string, day: number, bpm: number, minutes: number) => void,
): Promise<void> {
  const offset = sql.lit(window.utcOffsetMinutes * 60_000);
  const day = sql.lit(dayMs);
  for (let i = 0; i < elderIds.length; i += eldersPerQuery) {
    const chunk = elderIds.slice(i, i + eldersPerQuery);
    const { rows } = await sql<{ elder_id: string; day: number; bpm: number; n: number }>`
      select elder_id, (minute + ${offset}) / ${day} as day, round(hr_sum / hr_count) as bpm, count(*) as n
      from rollups_1m
      where elder_id in (${sql.join(chunk)}) and minute >= ${window.from} and minute < ${window.to}
        and hr_count > 0
      group by elder_id, (minute + ${offset}) / ${day}, round(hr_sum / hr_count)`.execute(db);
    for (const row of rows) add(row.elder_id, Number(row.day), Number(row.bpm), Number(row.n));
  }
}
