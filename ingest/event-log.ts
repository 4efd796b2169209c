import type { Transaction } from 'kysely';
import type { Measurements } from '../devices/capabilities.js';
import type { DeviceCatalog } from '../devices/catalog.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import type { EventReading } from './readings.js';

export interface StoredEvent {
  deviceId: string;
  deviceType: string;
  elderId: string | null;
  eventId: string;
  type: string;
  ts: number;
  receivedAt: number;
  data: Record<string, unknown>;
  /** What the event says about a measurement (a door's `open`: contact open), from the catalog. */
  measured: Measurements | undefined;
}

/**
 * The durable record of device events, and the only writer of `device_events`. An event is written here before the
 * device gets its PUBACK; a redelivered `event_id` is recognised and not recorded twice.
 */
export class EventLog {
  constructor(private readonly deps: { db: Database; catalog: DeviceCatalog }) {}

  /**
   * Stores the event; the event as stored if it is new, null if this `event_id` was already recorded.
   * Its elder is the device's owner in the store at that moment, not the caller's view of the district:
   * a watch moved or detached by another process (an erasure) is known there before this process's
   * view has reloaded, and its next event must not be filed under the person who had it.
   */
  async record(event: EventReading): Promise<StoredEvent | null> {
    const row = await this.deps.db
      .insertInto('device_events')
      .values((eb) => ({
        device_id: event.deviceId,
        event_id: event.eventId,
        type: event.eventType,
        device_ts: event.ts,
        received_at: event.receivedAt,
        payload: JSON.stringify(event.data),
        handled_at: null,
        elder_id: eb.selectFrom('devices').select('elder_id').where('id', '=', event.deviceId),
      }))
      .onConflict((oc) => oc.columns(['device_id', 'event_id']).doNothing())
      .returning('elder_id')
      .executeTakeFirst();
    return row ? { ...storedEvent(event), elderId: row.elder_id } : null;
  }

  /**
   * Deletes at most `limit` handled events received before `before` (retention); the count
   * deleted. Small batches: the connection that stores events before their PUBACK stays free.
   * Unhandled events are kept whatever their age: the alert rules have not seen them yet.
   */
  async expire(before: number, limit: number): Promise<number> {
    const db = this.deps.db;
    const result = await db
      .deleteFrom('device_events')
      .where(({ eb, refTuple, selectFrom }) =>
        eb(
          refTuple('device_id', 'event_id'),
          'in',
          selectFrom('device_events')
            .select(['device_id', 'event_id'])
            .where('received_at', '<', before)
            .where('handled_at', 'is not', null)
            .limit(limit)
            .$asTuple('device_id', 'event_id'),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Deletes every stored event of an elder (their data erased), in the caller's transaction: those sent
   * while a device was theirs.
   */
  async forget(db: Database | Transaction<Tables>, elderId: string): Promise<number> {
    const result = await db.deleteFrom('device_events').where('elder_id', '=', elderId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Deletes events stored under an erased elder: an event whose insert read the device's owner before
   * her erasure committed, and was stored after the erasure deleted hers (milliseconds on PostgreSQL;
   * nothing on the alarm path waits for an erasure). The retention sweep calls it; the count deleted.
   */
  async forgetErased(): Promise<number> {
    const db = this.deps.db;
    const result = await db
      .deleteFrom('device_events')
      .where('elder_id', 'in', db.selectFrom('elders').select('id').where('erased_at', 'is not', null))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Events stored but not yet handled by the alert rules (replayed after a crash), oldest first; a page
   * at a time, each after the `after` event (the last of the previous page). Each names the elder it
   * was stored under, as the live path does, not whoever has the device now.
   */
  async unhandled(
    limit = 1000,
    after?: Pick<StoredEvent, 'receivedAt' | 'deviceId' | 'eventId'>,
  ): Promise<StoredEvent[]> {
    let query = this.deps.db
      .selectFrom('device_events as v')
      .innerJoin('devices as d', 'd.id', 'v.device_id')
      .selectAll('v')
      .select('d.type as device_type')
      .where('v.handled_at', 'is', null);
    if (after)
      query = query.where(({ eb, refTuple, tuple }) =>
        eb(
          refTuple('v.received_at', 'v.device_id', 'v.event_id'),
          '>',
          tuple(after.receivedAt, after.deviceId, after.eventId),
        ),
      );
    const rows = await query
      .orderBy('v.received_at')
      .orderBy('v.device_id')
      .orderBy('v.event_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      deviceId: r.device_id,
      deviceType: r.device_type,
      elderId: r.elder_id,
      eventId: r.event_id,
      type: r.type,
      ts: r.device_ts,
      receivedAt: r.received_at,
      data: JSON.parse(r.payload) as Record<string, unknown>,
      measured: this.deps.catalog.get(r.device_type)?.events[r.type]?.sets,
    }));
  }
}

function storedEvent(event: EventReading): StoredEvent {
  return {
    deviceId: event.deviceId,
    deviceType: event.deviceType,
    elderId: event.elderId,
    eventId: event.eventId,
    type: event.eventType,
    ts: event.ts,
    receivedAt: event.receivedAt,
    data: event.data,
    measured: event.measured,
  };
}

/**
 * Marks an event as handled by the alert rules, in the caller's transaction (so that a raise
 * and its event's mark commit together and a replay is a no-op). False if it already was.
 */
export async function markEventHandled(
  db: Database | Transaction<Tables>,
  event: Pick<StoredEvent, 'deviceId' | 'eventId'>,
  at: number,
): Promise<boolean> {
  const result = await db
    .updateTable('device_events')
    .set({ handled_at: at })
    .where('device_id', '=', event.deviceId)
    .where('event_id', '=', event.eventId)
    .where('handled_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
