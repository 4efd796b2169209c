import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import deviceEventOwnerSettled from '../store/migrations/0024-device-event-owner-settled.js';
import { dialects } from './support/databases.js';
import { storeWithElder } from './support/small-store.js';

describe.each(dialects)('store migration 0024 on %s', (dialect) => {
  it('[MIGRATION-EVENT-OWNER] events stored before they named an elder take the elder they went with (their device’s present one); events that name one, and those of a device that is nobody’s, are left as they are', async () => {
    const store = await storeWithElder(dialect, [
      { id: 'w-0001', type: 'watch' },
      { id: 'w-0009', type: 'watch' },
    ]);
    try {
      const { db } = store;
      // w-0009 is on the shelf: nobody's.
      await db.updateTable('devices').set({ elder_id: null }).where('id', '=', 'w-0009').execute();
      const event = (deviceId: string, eventId: string, elderId: string | null) => ({
        device_id: deviceId,
        event_id: eventId,
        type: 'worn',
        device_ts: 1000,
        received_at: 1000,
        payload: '{}',
        handled_at: 1000,
        elder_id: elderId,
      });
      await db
        .insertInto('device_events')
        .values([
          event('w-0001', 'before-0022', null),
          event('w-0001', 'previous-wearer', 'e-0002'),
          event('w-0001', 'hers', 'e-0001'),
          event('w-0009', 'on-the-shelf', null),
        ])
        .execute();
      await deviceEventOwnerSettled.up(db as unknown as Kysely<unknown>);
      const rows = await db
        .selectFrom('device_events')
        .select(['event_id', 'elder_id'])
        .orderBy('event_id')
        .execute();
      expect(rows).toEqual([
        { event_id: 'before-0022', elder_id: 'e-0001' },
        { event_id: 'hers', elder_id: 'e-0001' },
        { event_id: 'on-the-shelf', elder_id: null },
        { event_id: 'previous-wearer', elder_id: 'e-0002' },
      ]);
    } finally {
      await store.close();
    }
  });
});
