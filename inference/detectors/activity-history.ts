import { sql } from 'kysely';
import type { Database } from '../../store/database.js';

const eldersPerQuery = 200;
const hour = 3_600_000;

/**
 * The latest activity of each elder within `lookbackMs`, rebuilt at start from the minute
 * rollups (there is no table of its own): a minute with standing, with both sitting and lying
 * (a posture change), with a door opening, or with more steps than the device's previous minute.
 *
 * Bounded: it looks back in widening windows (1 h, 4 h, 12 h, then the rest) through the
 * (elder_id, minute) index, and looks further back only for elders not found yet — by day
 * most people moved within the hour, so most of the history is never read.
 * Trade-offs: wrist movement and door closings are not in the rollups (a person whose only
 * activity was one of those counts from the restart: later, never earlier); a steps increase
 * at the very first minute of a window is missed; minutes count from their start.
 */
export async function replayLatestActivity(
  db: Database,
  elderIds: readonly string[],
  window: { now: number; lookbackMs: number },
  found: (elderId: string, at: number) => void,
): Promise<void> {
  let missing = new Set(elderIds);
  let to = Number.MAX_SAFE_INTEGER;
  for (const span of [hour, 4 * hour, 12 * hour, window.lookbackMs]) {
    if (missing.size === 0 || span > window.lookbackMs) break;
    const from = window.now - span;
    const still = new Set(missing);
    const ids = [...missing];
    for (let i = 0; i < ids.length; i += eldersPerQuery) {
      for (const row of await latestActiveMinutes(db, ids.slice(i, i + eldersPerQuery), from, to)) {
        found(row.elder_id, Number(row.last_minute));
        still.delete(row.elder_id);
      }
    }
    missing = still;
    to = from;
  }
}

async function latestActiveMinutes(db: Database, elderIds: string[], from: number, to: number) {
  const { rows } = await sql<{ elder_id: string; last_minute: number }>`
    select elder_id, max(minute) as last_minute from (
      select elder_id, minute, steps, standing_ms, sitting_ms, lying_ms, door_openings,
             lag(steps) over (partition by device_id order by minute) as previous_steps
      from rollups_1m
      where elder_id in (${sql.join(elderIds)}) and minute >= ${from} and minute < ${to}
    ) m
    where standing_ms > 0 or door_openings > 0 or steps > previous_steps or (sitting_ms > 0 and lying_ms > 0)
    group by elder_id`.execute(db);
  return rows;
}
