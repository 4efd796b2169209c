import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel } from '../kernel/channel.js';
import { dialects } from '../test/support/databases.js';
import { ledgerWithDistrict, type TestLedger } from '../test/support/timebank-district.js';
import { AlertBook, type AlertUpdate } from './alert-book.js';

describe.each(dialects)('raising one incident from many places at once on %s', (dialect) => {
  let t: TestLedger;
  let alerts: AlertBook;
  const published: AlertUpdate[] = [];

  beforeAll(async () => {
    t = await ledgerWithDistrict(dialect);
    await t.store.db
      .insertInto('devices')
      .values({
        id: 'w-0001',
        type: 'watch',
        elder_id: 'e-0001',
        secret_hash: 'x',
        revoked_at: null,
        created_at: 0,
      })
      .execute();
    const updates = new Channel<AlertUpdate>(() => undefined);
    updates.subscribe((u) => {
      published.push(u);
    });
    alerts = new AlertBook({ db: t.store.db, updates, now: () => t.clock.now });
  });
  afterAll(async () => {
    await t?.store.close();
  });

  it('[ALERT-RACE] eight raises of the same incident at once: one alert, opened once, every repeat counted, none fails', async () => {
    // Rounds, because the race is a narrow window on PostgreSQL; SQLite serialises writers.
    for (let round = 0; round < 10; round++) {
      published.length = 0;
      const raises = Array.from({ length: 8 }, (_, i) =>
        alerts.raise({
          kind: 'sos',
          severity: 'critical',
          deviceId: 'w-0001',
          details: { press: i },
        }),
      );
      const ends = await Promise.allSettled(raises);
      expect(ends.filter((e) => e.status === 'rejected').map((e) => String(e.reason))).toEqual([]);
      const created = ends.flatMap((e) =>
        e.status === 'fulfilled' && e.value?.created ? [e.value.update.alert.id] : [],
      );
      expect(created).toHaveLength(1);
      const open = await t.store.db.selectFrom('alerts').selectAll().where('status', '=', 'open').execute();
      expect(open.map((a) => a.id)).toEqual(created);
      expect(JSON.parse(open[0]!.details).repeats).toBe(7);
      expect(published.map((u) => u.change).sort()).toEqual(['opened', ...Array(7).fill('updated')]);
      expect(await alerts.resolve('sos:e-0001', { status: 'resolved', outcome: 'test', actor: 'test' })).toBe(
        true,
      );
    }
  });
});
