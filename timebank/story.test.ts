import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../test/support/databases.js';
import { ledgerWithDistrict, type TestLedger, timebankApp } from '../test/support/timebank-district.js';

describe.each(dialects)('the time bank story on %s', (dialect) => {
  let t: TestLedger;
  let app: FastifyInstance;
  let login: Awaited<ReturnType<typeof timebankApp>>['login'];

  beforeAll(async () => {
    t = await ledgerWithDistrict(dialect, { withPasswords: true });
    ({ app, login } = await timebankApp(t));
  });
  afterAll(async () => {
    await app?.close();
    await t?.store.close();
  });

  const balance = async (owner: string, headers: { authorization: string }) => {
    const res = await app.inject({ url: `/api/v1/timebank/accounts/${owner}`, headers });
    expect(res.statusCode).toBe(200);
    return res.json().balance_minutes as number;
  };

  it('[TIMEBANK-STORY] SOS answered → certified → credits arrive → given to a parent → spent on a meal delivery', async () => {
    const specialist = await login('spec-jingtian');
    const volunteer = await login('v-0001');
    const family = await login('wang-family');

    // The volunteer answered an SOS: checked in at 10:02, out at 10:49 (47 minutes), and claims 50.
    const checkIn = Date.UTC(2026, 10, 30, 2, 2);
    const checkOut = checkIn + 47 * 60_000;
    // What certifying the service order of that response calls (services/service-certification.ts).
    const certify = () =>
      t.ledger.depositForService({
        idempotencyKey: 'certify-alert-0001',
        serviceId: 'alert-0001',
        volunteerId: 'v-0001',
        orgUnitId: 'jingtian',
        claimedMinutes: 50,
        measuredMinutes: Math.round((checkOut - checkIn) / 60_000),
        certifiedBy: 'spec-jingtian',
        servedAt: checkOut,
      });
    const certified = await certify();
    expect(certified.result).toMatchObject({ status: 'paid', credited_minutes: 47, capped_by: null });

    // Certified again (a lost answer retried): the same answer, paid once.
    const retried = await certify();
    expect(retried.result).toEqual(certified.result);
    expect(retried.replayed).toBe(true);

    // The credits arrive.
    const account = await app.inject({ url: '/api/v1/timebank/accounts/v-0001', headers: volunteer });
    expect(account.json()).toMatchObject({
      balance_minutes: 47,
      entries: [{ transfer_kind: 'deposit', amount_minutes: 47, counterparties: ['fund:jingtian'] }],
    });

    // The volunteer gives 30 minutes to their mother (an elder of the 王 family).
    const gift = await app.inject({
      method: 'POST',
      url: '/api/v1/timebank/transfers',
      headers: { ...volunteer, 'idempotency-key': 'gift-mother-2026-11-30' },
      payload: { from: { owner_id: 'v-0001' }, to: { owner_id: 'e-0001' }, minutes: 30, memo: '给妈妈' },
    });
    expect(gift.statusCode).toBe(200);
    expect(gift.json().transfer.kind).toBe('gift');

    // The family spends 25 of them on a meal delivery for her: paid to 景田's service fund.
    const meal = await app.inject({
      method: 'POST',
      url: '/api/v1/timebank/transfers',
      headers: { ...family, 'idempotency-key': 'meal-order-0001' },
      payload: {
        from: { owner_id: 'e-0001', kind: 'elder' },
        to: { owner_id: 'jingtian', kind: 'fund' },
        minutes: 25,
        service_order_id: 'order-meal-0001',
        memo: '送餐 meal delivery',
      },
    });
    expect(meal.statusCode).toBe(200);
    expect(meal.json().transfer).toMatchObject({
      kind: 'service',
      org_unit_id: 'jingtian',
      details: { service_order_id: 'order-meal-0001' },
    });

    // She cannot spend what is not there.
    const tooMuch = await app.inject({
      method: 'POST',
      url: '/api/v1/timebank/transfers',
      headers: { ...family, 'idempotency-key': 'meal-order-0002' },
      payload: { from: { owner_id: 'e-0001' }, to: { owner_id: 'jingtian', kind: 'fund' }, minutes: 6 },
    });
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.json().error).toBe('insufficient_credits');

    expect(await balance('v-0001', volunteer)).toBe(17);
    expect(await balance('e-0001', family)).toBe(5);
    expect(await balance('jingtian', specialist)).toBe(-22);

    // The community's statement shows the whole story; the ledger reconciles.
    const statement = await app.inject({
      url: `/api/v1/timebank/org-units/jingtian/statement?from=${t.clock.now - 86_400_000}&to=${t.clock.now + 1}&format=csv&lang=en`,
      headers: specialist,
    });
    expect(statement.statusCode).toBe(200);
    expect(statement.headers['content-type']).toContain('text/csv');
    expect(statement.body).toContain('service alert-0001');
    expect(statement.body).toContain('送餐 meal delivery');
    const report = await t.ledger.reconciliation.run();
    expect(report.failures).toEqual([]);
    expect(report.ledger_sum_minutes).toBe(0);
  });
});
