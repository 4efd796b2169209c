import type { Database } from '../../store/database.js';

/** What the detectors know about an elder from the district: home and devices. */
export interface ElderHome {
  id: string;
  /** Home location (WGS-84), null when the district document gave none. */
  lat: number | null;
  lon: number | null;
  watches: string[];
  radars: string[];
  doors: string[];
}

/**
 * Loads every elder with at least one device that is not revoked. Small (one row per device)
 * and read at start and after district changes: the detectors never query it per reading.
 */
export async function loadElderHomes(db: Database): Promise<Map<string, ElderHome>> {
  const rows = await db
    .selectFrom('devices as d')
    .innerJoin('elders as e', 'e.id', 'd.elder_id')
    .select(['e.id as elder_id', 'e.lat', 'e.lon', 'd.id as device_id', 'd.type'])
    .where('d.revoked_at', 'is', null)
    .execute();
  const homes = new Map<string, ElderHome>();
  for (const row of rows) {
    let home = homes.get(row.elder_id);
    if (!home) {
      home = { id: row.elder_id, lat: row.lat, lon: row.lon, watches: [], radars: [], doors: [] };
      homes.set(row.elder_id, home);
    }
    if (row.type === 'watch') home.watches.push(row.device_id);
    else if (row.type === 'fall_radar') home.radars.push(row.device_id);
    else if (row.type === 'door') home.doors.push(row.device_id);
  }
  return homes;
}

/** A device of the elder to name on an alert raised by time rather than by a reading. */
export function anyDevice(home: ElderHome | undefined): string | null {
  return home?.watches[0] ?? home?.radars[0] ?? home?.doors[0] ?? null;
}
