import { sql } from 'kysely';
import type { Database } from '../../store/database.js';

const eldersPerQuery = 200;

/**
 * The latest activity of each elder since `since`, rebuilt at start from what the store
 * already keeps (there is no table of its own): minute rollups with standing, a posture change
 * within the minute, door openings or more steps than the device's previous minute; and door
 * `open`/`close` events. Wrist movement alone is not in the rollups: a person whose only
 * activity before a restart was moving the wrist counts from the restart (later, never earlier).
 * Minutes are counted from their start: at worst a minute early.
 */
export async function replayLatestActivity(
  db: Database,
  elderIds: readonly string[],
  since: number,
  found: (elderId: string, at: number) => void,
): Promise<void> {
  for (let i = 0; i < elderIds.length; i += eldersPerQuery) {
    const chunk = elderIds.slice(i, i + eldersPerQuery);
    const { rows } = await sql<{ elder_id: string; last_minute: number }>`
      select elder_id, max(minute) as last_minute from (
        select elder_id, minute, steps, standing_ms, sitting_ms, lying_ms, door_openings,
               lag(steps) over (partition by device_id order by minute) as previous_steps
        from rollups_1m
        where elder_id in (${sql.join(chunk)}) and minute >= ${since}
      ) m
      where standing_ms > 0 or door_openings > 0 or steps > previous_steps
         or (sitting_ms > 0 and lying_ms > 0)
      group by elder_id`.execute(db);
    for (const row of rows) found(row.elder_id, Number(row.last_minute));
    const doors = await db
      .selectFrom('device_events as v')
      .innerJoin('devices as d', 'd.id', 'v.device_id')
      .select(['d.elder_id', (eb) => eb.fn.max('v.device_ts').as('last_ts')])
      .where('d.type', '=', 'door')
      .where('v.type', 'in', ['open', 'close'])
      .where('v.received_at', '>=', since)
      .where('d.elder_id', 'in', chunk)
      .groupBy('d.elder_id')
      .execute();
    for (const row of doors) if (row.elder_id !== null) found(row.elder_id, Number(row.last_ts));
  }
}
