/** Where a window's events ended up: rows in the hub's store, SOS alerts opened, and arrivals on the console. */
import type { Rig } from './rig.js';

/** Event ids starting with `prefix-` stored in the hub's device_events. */
export async function storedEvents(rig: Rig, prefix: string): Promise<Set<string>> {
  const rows = await rig.store.rows<{ event_id: string }>(
    'select event_id from device_events where event_id like ?',
    `${prefix}-%`,
  );
  return new Set(rows.map((r) => r.event_id));
}

/** SOS alerts opened from events whose ids start with `prefix-`. */
export async function sosAlerts(rig: Rig, prefix: string): Promise<number> {
  const [row] = await rig.store.rows<{ n: number | string }>(
    "select count(*) as n from alerts where kind = 'sos' and source_event_id like ?",
    `${prefix}-%`,
  );
  return Number(row!.n);
}

/** Each published SOS seen on the console: when it was published, and how long it took to get there. */
export function consoleDelays(rig: Rig, published: Array<[id: string, at: number]>) {
  return published.flatMap(([id, at]) => {
    const seenAt = rig.console.seen.get(id);
    return seenAt === undefined ? [] : [{ at, ms: seenAt - at }];
  });
}
