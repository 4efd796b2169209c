import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel } from '../kernel/channel.js';
import { dialects } from '../test/support/databases.js';
import {
  ledgerWithDistrict,
  signInAll,
  type TestLedger,
  timebankApp,
} from '../test/support/timebank-district.js';
import { AlertBook, type AlertUpdate, openedAlertRow } from './alert-book.js';
import { alertRoutes } from './alert-routes.js';

describe.each(dialects)('the alert list on %s', (dialect) => {
  let t: TestLedger;
  let app: FastifyInstance;
  let as: Awaited<ReturnType<typeof signInAll>>;

  beforeAll(async () => {
    t = await ledgerWithDistrict(dialect, { withPasswords: true });
    const alerts = new AlertBook({
      db: t.store.db,
      updates: new Channel<AlertUpdate>(() => undefined),
      now: () => t.clock.now,
    });
    const built = await timebankApp(t, async (a) => {
      await a.withTypeProvider<ZodTypeProvider>().register(alertRoutes, { prefix: '/api/v1/alerts', alerts });
    });
    app = built.app;
    as = await signInAll(built.login);
    // 23 alerts, some opened in the same millisecond: the cursor must not lose or repeat those.
    const rows = Array.from({ length: 23 }, (_, i) =>
      openedAlertRow({
        id: `a-${String(i).padStart(3, '0')}`,
        elder_id: null,
        org_unit_id: i % 5 === 0 ? 'meilin' : 'jingtian',
        kind: 'sos',
        severity: 'critical',
        status: i % 3 === 0 ? 'resolved' : 'open',
        opened_at: t.clock.now - Math.floor(i / 2) * 1000,
        updated_at: t.clock.now,
      }),
    );
    await t.store.db.insertInto('alerts').values(rows).execute();
  });
  afterAll(async () => {
    await app?.close();
    await t?.store.close();
  });

  const pages = async (query: string, headers: { authorization: string }) => {
    const seen: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await app.inject({
        url: `/api/v1/alerts?${query}${cursor ? `&cursor=${cursor}` : ''}`,
        headers,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as {
        alerts: Array<{ id: string; opened_at: number }>;
        next_cursor: string | null;
      };
      seen.push(body.alerts.map((a) => a.id));
      cursor = body.next_cursor;
    } while (cursor);
    return seen;
  };

  it('[ALERT-PAGES] a cursor walks the whole list, newest first, each alert once, within the scope and filter', async () => {
    const all = await pages('limit=5', as.streetAdmin);
    expect(all.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    const ids = all.flat();
    expect(new Set(ids).size).toBe(23);
    expect(ids.slice(0, 4)).toEqual(['a-001', 'a-000', 'a-003', 'a-002']);
    const open = (await pages('limit=4&status=open', as.specJingtian)).flat();
    const expected = Array.from({ length: 23 }, (_, i) => i).filter((i) => i % 3 !== 0 && i % 5 !== 0);
    expect(open.sort()).toEqual(expected.map((i) => `a-${String(i).padStart(3, '0')}`));
    // One page holds everything: no cursor.
    expect((await pages('limit=5000', as.streetAdmin)).length).toBe(1);
  });

  it('[ALERT-PAGES] a cursor that is not one is a 400', async () => {
    const res = await app.inject({ url: '/api/v1/alerts?cursor=bm9wZQ', headers: as.streetAdmin });
    expect(res.statusCode).toBe(400);
  });
});
