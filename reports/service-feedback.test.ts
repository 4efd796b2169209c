import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyOrder } from '../services/service-order-model.js';
import { dialects } from '../test/support/databases.js';
import { reportsApi } from '../test/support/reports-api.js';
import type { TestLedger } from '../test/support/timebank-district.js';
import { unzip } from '../test/support/zip-reader.js';

const day = 86_400_000;
const url = '/api/v1/reports';

/**
 * Service requests of the last three days in 景田 (elders e-0001, e-0003) and 梅林 (e-0002), one from
 * before the period; ratings from 1 to 5; one credit paid and one redemption through the real ledger.
 */
describe.each(dialects)('service feedback in the reports on %s', (dialect) => {
  let t: TestLedger;
  let app: FastifyInstance;
  let as: Awaited<ReturnType<typeof reportsApi>>['as'];
  let range: string;

  beforeAll(async () => {
    ({ t, app, as } = await reportsApi(dialect));
    const { db } = t.store;
    const now = t.clock.now;
    range = `from=${now - 3 * day}&to=${now + 1}`;
    let n = 0;
    const order = async (o: {
      unit: 'jingtian' | 'meilin';
      elder: string;
      kind: string;
      status: string;
      volunteer?: string;
      rating?: number;
      comment?: string;
      requestedAgo?: number;
      wantedIn?: number;
    }) => {
      const requested = now - (o.requestedAgo ?? day);
      await db
        .insertInto('service_orders')
        .values({
          id: `o-${++n}`,
          kind: o.kind,
          status: o.status,
          elder_id: o.elder,
          org_unit_id: o.unit === 'jingtian' && o.elder === 'e-0001' ? 'wang-family' : o.unit,
          community_id: o.unit,
          note: '',
          wanted_at: now + (o.wantedIn ?? -3600_000),
          requested_by: 'spec-jingtian',
          requested_at: requested,
          ...emptyOrder,
          volunteer_id: o.volunteer ?? null,
          rating: o.rating ?? null,
          rating_comment: o.comment ?? null,
          rated_by: o.rating ? 'family-wang' : null,
          updated_at: now,
        })
        .execute();
    };
    await order({
      unit: 'jingtian',
      elder: 'e-0001',
      kind: 'meal_delivery',
      status: 'certified',
      volunteer: 'v-0001',
      rating: 5,
    });
    await order({
      unit: 'jingtian',
      elder: 'e-0001',
      kind: 'meal_delivery',
      status: 'rated',
      volunteer: 'v-0001',
      rating: 4,
    });
    await order({
      unit: 'jingtian',
      elder: 'e-0003',
      kind: 'visit',
      status: 'rated',
      volunteer: 'v-0002',
      rating: 2,
      comment: '来晚了一个小时',
    });
    await order({ unit: 'jingtian', elder: 'e-0003', kind: 'visit', status: 'cancelled' });
    await order({ unit: 'jingtian', elder: 'e-0003', kind: 'meal_delivery', status: 'requested' }); // wanted an hour ago: unmet
    await order({
      unit: 'jingtian',
      elder: 'e-0001',
      kind: 'visit',
      status: 'taken',
      volunteer: 'v-0002',
      wantedIn: 2 * day,
    }); // pending
    await order({
      unit: 'meilin',
      elder: 'e-0002',
      kind: 'phone_help',
      status: 'done',
      volunteer: 'v-0003',
      rating: 1,
      comment: '态度不好',
    });
    await order({
      unit: 'meilin',
      elder: 'e-0002',
      kind: 'visit',
      status: 'certified',
      volunteer: 'v-0003',
      requestedAgo: 10 * day,
      rating: 1,
    }); // before the period
    await t.ledger.depositForService({
      serviceId: 'svc-feedback-1',
      volunteerId: 'v-0001',
      orgUnitId: 'jingtian',
      claimedMinutes: 60,
      measuredMinutes: 60,
      certifiedBy: 'spec-jingtian',
    });
    const soup = await t.ledger.catalog.create({
      orgUnitId: 'jingtian',
      name: '汤',
      priceMinutes: 15,
      stock: 5,
    });
    await t.ledger.redemptions.redeem({
      idempotencyKey: 'feedback-r-1',
      actor: 'v-0001',
      payer: { kind: 'volunteer', ownerId: 'v-0001' },
      itemId: soup.id,
      quantity: 2,
    });
  });
  afterAll(async () => {
    await app?.close();
    await t?.store.close();
  });
  const get = (path: string, headers?: { authorization: string }) =>
    app.inject({ url: `${url}${path}`, headers });

  it('[REPORTS-FEEDBACK] requests fulfilled against cancelled and unmet, ratings per unit, kind and volunteer, elders served, credits issued and redeemed', async () => {
    const res = await get(`/summary?${range}`, as.streetAdmin);
    expect(res.statusCode).toBe(200);
    const { feedback } = res.json();
    expect(feedback.totals).toEqual({
      requested: 7,
      fulfilled: 4,
      cancelled: 1,
      unmet: 1,
      pending: 1,
      fulfilled_share: 4 / 6,
      ratings: 4,
      average_rating: 3, // (5 + 4 + 2 + 1) / 4; the rating of 1 before the period does not count
      elders_served: 3,
      credits_issued_minutes: 60,
      credits_redeemed_minutes: 30,
    });
    const units = Object.fromEntries(
      feedback.by_unit.map((u: { org_unit_id: string }) => [u.org_unit_id, u]),
    );
    expect(units.jingtian).toMatchObject({
      name: '景田社区',
      requested: 6,
      fulfilled: 3,
      unmet: 1,
      average_rating: 3.67,
      elders_served: 2,
      credits_issued_minutes: 60,
      credits_redeemed_minutes: 30,
    });
    expect(units.meilin).toMatchObject({
      requested: 1,
      fulfilled: 1,
      average_rating: 1,
      elders_served: 1,
      credits_issued_minutes: 0,
    });
    expect(
      feedback.by_kind.map((k: { kind: string; requested: number; average_rating: number | null }) => [
        k.kind,
        k.requested,
        k.average_rating,
      ]),
    ).toEqual([
      ['meal_delivery', 3, 4.5],
      ['visit', 3, 2],
      ['phone_help', 1, 1],
    ]);
    expect(feedback.by_volunteer).toEqual([
      { volunteer_id: 'v-0001', name: 'v-0001', fulfilled: 2, ratings: 2, average_rating: 4.5 },
      { volunteer_id: 'v-0002', name: 'v-0002', fulfilled: 1, ratings: 1, average_rating: 2 },
      { volunteer_id: 'v-0003', name: 'v-0003', fulfilled: 1, ratings: 1, average_rating: 1 },
    ]);
    expect(
      feedback.complaints
        .map((c: { rating: number; comment: string | null; elder_id: string }) => [
          c.rating,
          c.comment,
          c.elder_id,
        ])
        .sort(),
    ).toEqual([
      [1, '态度不好', 'e-0002'],
      [2, '来晚了一个小时', 'e-0003'],
    ]);
  });

  it('[REPORTS-FEEDBACK-SCOPE] a community specialist sees only their community’s feedback and complaints', async () => {
    const { feedback } = (await get(`/summary?${range}`, as.specMeilin)).json();
    expect(feedback.totals).toMatchObject({ requested: 1, credits_issued_minutes: 0 });
    expect(feedback.complaints.map((c: { elder_id: string }) => c.elder_id)).toEqual(['e-0002']);
  });

  it('[REPORTS-FEEDBACK-FILES] the CSV and the workbook carry the feedback tables in the reader’s language', async () => {
    const lines = (await get(`/summary?${range}&format=csv`, as.streetAdmin)).body
      .replace(/^\ufeff/, '')
      .split('\r\n');
    const kinds = lines.indexOf('各类服务');
    expect(lines[kinds + 1]).toBe('类型,需求数,已完成,已取消,未满足,待服务,完成率,评价数,平均评分');
    expect(lines[kinds + 2]).toBe('送餐,3,2,0,1,0,66.7%,2,4.5');
    const complaints = lines.indexOf('投诉');
    expect(lines.slice(complaints + 2, complaints + 4).sort()).toEqual([
      expect.stringMatching(/^探访,景田社区,陈玉珍,v-0002,2,来晚了一个小时,\d{4}-\d\d-\d\d \d\d:\d\d$/),
      expect.stringMatching(/^电话关怀,梅林社区,李桂兰,v-0003,1,态度不好,\d{4}-\d\d-\d\d \d\d:\d\d$/),
    ]);
    const en = (await get(`/summary?${range}&format=csv&lang=en`, as.streetAdmin)).body;
    expect(en).toContain('Meal delivery,3,2,0,1,0,66.7%,2,4.5');
    const xlsx = unzip((await get(`/summary?${range}&format=xlsx`, as.streetAdmin)).rawPayload);
    expect(xlsx.get('xl/workbook.xml')).toContain('name="投诉"');
  });
});
