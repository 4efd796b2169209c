import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../test/support/databases.js';
import {
  type signInAll,
  type TestLedger,
  timebankApiWithEarnings,
} from '../test/support/timebank-district.js';

const base = '/api/v1/timebank';
type Headers = { authorization: string };

describe.each(dialects)('time bank administration API on %s', (dialect) => {
  let t: TestLedger;
  let app: FastifyInstance;
  let as: Awaited<ReturnType<typeof signInAll>>;

  beforeAll(async () => {
    ({ t, app, as } = await timebankApiWithEarnings(dialect, 90));
    const item = await t.ledger.catalog.create({
      orgUnitId: 'jingtian',
      name: '理发券',
      priceMinutes: 30,
      stock: 5,
    });
    await t.ledger.redemptions.redeem({
      idempotencyKey: 'admin-test-redeem-1',
      actor: 'v-0001',
      payer: { kind: 'volunteer', ownerId: 'v-0001' },
      itemId: item.id,
      quantity: 2,
    });
  });
  afterAll(async () => {
    await app?.close();
    await t?.store.close();
  });
  const get = (url: string, headers?: Headers) => app.inject({ url: `${base}${url}`, headers });

  it('[TIMEBANK-ADMIN] specialists list the accounts of their unit with names and balances; other units and volunteers do not', async () => {
    const listed = (await get('/accounts', as.specJingtian)).json().accounts;
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'volunteer:v-0001',
          owner_name: expect.any(String),
          balance_minutes: 30,
        }),
        expect.objectContaining({ id: 'fund:jingtian', kind: 'fund', balance_minutes: -30 }),
      ]),
    );
    const volunteers = (await get('/accounts?kind=volunteer', as.streetAdmin)).json().accounts;
    expect(volunteers.map((a: { id: string }) => a.id)).toEqual(['volunteer:v-0001']);
    expect((await get('/accounts', as.specMeilin)).json().accounts).toEqual([]);
    expect((await get('/accounts', as.volunteer)).statusCode).toBe(403);
  });

  it('[TIMEBANK-ADMIN] redemptions are listed with the payer, the item and the minutes, within the unit', async () => {
    const [redemption] = (await get('/redemptions', as.specJingtian)).json().redemptions;
    expect(redemption).toMatchObject({
      org_unit_id: 'jingtian',
      payer: { kind: 'volunteer', owner_id: 'v-0001' },
      item_name: '理发券',
      quantity: 2,
      minutes: 60,
      created_by: 'v-0001',
      corrected_by: null,
    });
    expect((await get('/redemptions', as.specMeilin)).json().redemptions).toEqual([]);
    expect((await get(`/redemptions?to=${t.clock.now - 1}`, as.specJingtian)).json().redemptions).toEqual([]);
    expect((await get('/redemptions', as.volunteer)).statusCode).toBe(403);
  });
});
