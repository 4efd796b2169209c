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
 * Bounded: one minute in `sampleEveryMinutes` is read (weighted back up: a median and a MAD
 * over days of minutes barely move), through the (elder_id, minute) index, in chunks of
 * elders so that neither the database nor the hub holds a week of minutes at once.
 * Trade-offs: the baseline is as good as the rollups (their retention; minutes still in memory
 * at a crash are lost) and the live histogram counts each device-minute, as the rollups do.
 */
export async function replayHeartRateMinutes(
  db: Database,
  elderIds: readonly string[],
  window: { from: number; to: number; utcOffsetMinutes: number; sampleEveryMinutes: number },
  add: (elderId: string, day: number, bpm: number, minutes: number) => void,
): Promise<void> {
  const offset = sql.lit(window.utcOffsetMinutes * 60_000);
  const day = sql.lit(dayMs);
  const every = Math.max(1, Math.round(window.sampleEveryMinutes));
  const sample = sql.lit(every * 60_000);
  for (let i = 0; i < elderIds.length; i += eldersPerQuery) {
    const chunk = elderIds.slice(i, i + eldersPerQuery);
    const { rows } = await sql<{ elder_id: string; day: number; bpm: number; n: number }>`
      select elder_id, (minute + ${offset}) / ${day} as day, round(hr_sum / hr_count) as bpm, count(*) as n
      from rollups_1m
      where elder_id in (${sql.join(chunk)}) and minute >= ${window.from} and minute < ${window.to}
        and minute % ${sample} = 0 and hr_count > 0
      group by elder_id, (minute + ${offset}) / ${day}, round(hr_sum / hr_count)`.execute(db);
    for (const row of rows) add(row.elder_id, Number(row.day), Number(row.bpm), Number(row.n) * every);
  }
}
