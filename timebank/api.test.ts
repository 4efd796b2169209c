import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../test/support/databases.js';
import { type TestLedger, timebankApiWithEarnings } from '../test/support/timebank-district.js';

const base = '/api/v1/timebank';
type Headers = { authorization: string };

describe.each(dialects)('time bank API on %s', (dialect) => {
  let t: TestLedger;
  let app: FastifyInstance;
  let as: Record<
    'specJingtian' | 'specMeilin' | 'streetAdmin' | 'volunteer' | 'otherVolunteer' | 'family',
    Headers
  >;
  let keys = 0;
  const key = () => ({ 'idempotency-key': `api-test-${++keys}` });

  beforeAll(async () => {
    ({ t, app, as } = await timebankApiWithEarnings(dialect, 120));
  });
  afterAll(async () => {
    await app?.close();
    await t?.store.close();
  });

  const get = (url: string, headers?: Headers) => app.inject({ url: `${base}${url}`, headers });
  const post = (url: string, headers: Record<string, string>, payload: object) =>
    app.inject({ method: 'POST', url: `${base}${url}`, headers, payload });

  it('[TIMEBANK-ACCESS] an account is seen by its owner and by admins and specialists of its org unit or above, nobody else', async () => {
    const status = async (owner: string, headers?: Headers) =>
      (await get(`/accounts/${owner}`, headers)).statusCode;
    expect(await status('v-0001', as.volunteer)).toBe(200);
    expect(await status('v-0001', as.specJingtian)).toBe(200);
    expect(await status('v-0001', as.streetAdmin)).toBe(200);
    // Someone else's account answers exactly as one that does not exist.
    const hidden = await get('/accounts/v-0001', as.specMeilin);
    const missing = await get('/accounts/v-9999', as.specMeilin);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual({
      ...missing.json(),
      message: missing.json().message.replace('v-9999', 'v-0001'),
    });
    expect(await status('v-0001', as.otherVolunteer)).toBe(404);
    expect(await status('v-0001', as.family)).toBe(404);
    expect(await status('v-0001')).toBe(401);
    expect(await status('e-0001', as.family)).toBe(200);
    expect(await status('wang-family', as.family)).toBe(200);
    expect(await status('nobody', as.streetAdmin)).toBe(404);
    const body = (await get('/accounts/v-0001', as.volunteer)).json();
    expect(body).toMatchObject({
      balance_minutes: 120,
      account: { id: 'volunteer:v-0001', overdraft_minutes: 0 },
    });
    // An owner with no entries yet has an empty account.
    expect((await get('/accounts/e-0003', as.specJingtian)).json()).toMatchObject({
      balance_minutes: 0,
      entries: [],
    });
  });

  it('[TIMEBANK-ACCESS] credits are spent only by their owner, an elder’s by their family or specialist, a fund’s by an admin', async () => {
    const move = (headers: Headers, from: object, to: object, minutes = 1) =>
      post('/transfers', { ...headers, ...key() }, { from, to, minutes });
    const v1 = { owner_id: 'v-0001' };
    const e1 = { owner_id: 'e-0001' };
    const fund = { owner_id: 'jingtian', kind: 'fund' };
    // An account the caller may not see is answered as one that does not exist; one they see, refused.
    expect((await move(as.otherVolunteer, v1, e1)).json()).toMatchObject({ error: 'unknown_account' });
    expect((await move(as.specJingtian, v1, e1)).json()).toMatchObject({ error: 'forbidden' });
    expect((await move(as.volunteer, v1, e1, 10)).statusCode).toBe(200);
    expect((await move(as.family, e1, fund)).statusCode).toBe(200);
    expect((await move(as.specJingtian, e1, fund)).statusCode).toBe(200);
    expect((await move(as.specMeilin, e1, fund)).statusCode).toBe(404);
    expect((await move(as.specJingtian, fund, { owner_id: 'e-0003' })).statusCode).toBe(403);
    const grant = await move(as.streetAdmin, fund, { owner_id: 'e-0003' }, 30);
    expect(grant.statusCode).toBe(200);
    expect(grant.json().transfer.kind).toBe('grant');
    const refused = await move(as.volunteer, v1, e1, 1000);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'insufficient_credits' });
  });

  it('[TIMEBANK-IDEMPOTENCY] every write needs an Idempotency-Key; a retry is answered from the first, other content with the same key is 409', async () => {
    const payload = { from: { owner_id: 'v-0001' }, to: { owner_id: 'e-0001' }, minutes: 5 };
    const missing = await post('/transfers', as.volunteer, payload);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().issues[0].path).toBe('idempotency-key');
    const headers = { ...as.volunteer, 'idempotency-key': 'gift-mother-once' };
    const first = await post('/transfers', headers, payload);
    const second = await post('/transfers', headers, payload);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const other = await post('/transfers', headers, { ...payload, minutes: 6 });
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toBe('idempotency_conflict');
  });

  it('[TIMEBANK-DEPOSIT] credits come only from a certified service order; a flagged claim waits for a stated amount from its own unit', async () => {
    // No route pays for a service a specialist names: not even an admin can choose minutes and a day.
    const direct = await post(
      '/deposits',
      { ...as.specJingtian, ...key() },
      { service_id: 'd-0', volunteer_id: 'v-0002' },
    );
    expect(direct.statusCode).toBe(404);
    expect(direct.json()).toMatchObject({
      error: 'not_found',
      message: 'no route POST /api/v1/timebank/deposits',
    });
    // What certifying a service order calls (services/service-certification.ts).
    const certify = (serviceId: string, claimedMinutes: number) =>
      t.ledger.depositForService({
        serviceId,
        volunteerId: 'v-0002',
        orgUnitId: 'jingtian',
        claimedMinutes,
        measuredMinutes: 30,
        certifiedBy: 'spec-jingtian',
      });
    expect((await certify('d-1', 30)).result).toMatchObject({ status: 'paid', credited_minutes: 30 });
    expect((await certify('d-2', 90)).result).toMatchObject({ status: 'flagged', credited_minutes: null });
    const waiting = (await get('/deposits?status=flagged', as.specJingtian)).json().services;
    expect(waiting.map((s: { service_id: string }) => s.service_id)).toEqual(['d-2']);
    expect((await get('/deposits?status=flagged', as.specMeilin)).json().services).toEqual([]);
    // Decided on its service order only (services/service-certification.ts), which keeps the order's
    // credit in step with the ledger: the ledger has no route of its own for it.
    const byLedgerRoute = await post(
      '/deposits/d-2/approval',
      { ...as.specJingtian, ...key() },
      { minutes: 40 },
    );
    expect(byLedgerRoute.statusCode).toBe(404);
    expect(byLedgerRoute.json()).toMatchObject({ error: 'not_found', message: /^no route POST/ });
    const approved = await t.ledger.approveFlagged({
      serviceId: 'd-2',
      minutes: 40,
      approvedBy: 'spec-jingtian',
      idempotencyKey: 'decision:d-2',
    });
    expect(approved.result).toMatchObject({ status: 'approved', credited_minutes: 40 });
    expect((await get('/accounts/v-0002', as.otherVolunteer)).json().balance_minutes).toBe(70);
  });

  it('[TIMEBANK-CATALOG] a community keeps its catalog; its members redeem; withdrawn and unknown items are clear errors', async () => {
    const create = (headers: Headers, body: object) =>
      app.inject({ method: 'POST', url: `${base}/catalog`, headers, payload: body });
    const item = { org_unit_id: 'jingtian', name: '理发 haircut', price_minutes: 20, stock: 1 };
    expect((await create(as.specMeilin, item)).statusCode).toBe(403);
    expect((await create(as.volunteer, item)).statusCode).toBe(403);
    expect((await create(as.streetAdmin, { ...item, org_unit_id: 'lianhua' })).statusCode).toBe(400);
    const created = await create(as.specJingtian, item);
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const listed = (await get('/catalog', as.volunteer)).json().items;
    expect(listed.map((i: { id: string }) => i.id)).toContain(id);
    expect((await get('/catalog?org_unit=meilin', as.volunteer)).statusCode).toBe(403);
    const redeem = (headers: Headers, quantity = 1) =>
      post(
        '/redemptions',
        { ...headers, ...key() },
        { payer: { owner_id: 'v-0001' }, item_id: id, quantity },
      );
    expect((await redeem(as.otherVolunteer)).statusCode).toBe(404);
    const redeemed = await redeem(as.volunteer);
    expect(redeemed.statusCode).toBe(200);
    expect(redeemed.json().stock_left).toBe(0);
    const out = await redeem(as.volunteer);
    expect(out.statusCode).toBe(409);
    expect(out.json()).toMatchObject({ error: 'out_of_stock' });
    const patched = await app.inject({
      method: 'PATCH',
      url: `${base}/catalog/${id}`,
      headers: as.specJingtian,
      payload: { stock: 10, price_minutes: 25 },
    });
    expect(patched.json()).toMatchObject({ stock: 10, price_minutes: 25 });
    expect(
      (await app.inject({ method: 'DELETE', url: `${base}/catalog/${id}`, headers: as.specMeilin }))
        .statusCode,
    ).toBe(403);
    expect(
      (await app.inject({ method: 'DELETE', url: `${base}/catalog/${id}`, headers: as.specJingtian })).json()
        .active,
    ).toBe(false);
    const gone = await redeem(as.volunteer);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error).toBe('unknown_item');
  });

  it('[TIMEBANK-CORRECTION] specialists of the transfer’s org unit correct it; the answer is the reversing transfer', async () => {
    const gift = await post(
      '/transfers',
      { ...as.volunteer, ...key() },
      {
        from: { owner_id: 'v-0001' },
        to: { owner_id: 'wang-family', kind: 'family' },
        minutes: 3,
      },
    );
    const id = gift.json().transfer.id as string;
    const correct = (headers: Headers) =>
      post('/corrections', { ...headers, ...key() }, { transfer_id: id, reason: 'wrong account' });
    expect((await correct(as.volunteer)).statusCode).toBe(403);
    expect((await correct(as.specMeilin)).statusCode).toBe(403);
    const corrected = await correct(as.specJingtian);
    expect(corrected.json().transfer).toMatchObject({ kind: 'correction', corrects_id: id });
    expect((await correct(as.specJingtian)).json().error).toBe('already_corrected');
  });

  it('[TIMEBANK-EXPORT] statements download as CSV and Excel for the account’s owner and the community’s staff', async () => {
    const range = `from=${t.clock.now - 86_400_000}&to=${t.clock.now + 1}`;
    const csv = await get(`/accounts/v-0001/statement?${range}&format=csv&lang=en`, as.volunteer);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toMatch(
      /attachment; filename="timebank-volunteer_v-0001-.*\.csv"/,
    );
    expect(csv.body).toContain('service seed-1');
    const zh = await get(`/accounts/v-0001/statement?${range}&format=csv`, as.volunteer);
    expect(zh.body).toContain('服务记录 seed-1');
    expect(zh.body.startsWith('\ufeff时间,账户,')).toBe(true);
    // Holders and units by name beside their ids: the community's fund is 景田社区's, in 景田社区.
    const unitCsv = await get(`/org-units/jingtian/statement?${range}&format=csv`, as.specJingtian);
    expect(unitCsv.body).toContain('\r\nfund:jingtian,社区基金,jingtian,景田社区,jingtian,景田社区,');
    const xlsx = await get(`/org-units/jingtian/statement?${range}&format=xlsx`, as.specJingtian);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(xlsx.rawPayload.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect((await get(`/org-units/jingtian/statement?${range}`, as.specMeilin)).statusCode).toBe(403);
    expect((await get(`/org-units/jingtian/statement?${range}`, as.volunteer)).statusCode).toBe(403);
    const json = (await get(`/org-units/lianhua/statement?${range}`, as.streetAdmin)).json();
    expect(json.entries.length).toBeGreaterThan(0);
    expect((await get('/org-units/jingtian/statement?from=10&to=5', as.specJingtian)).statusCode).toBe(400);
  });

  it('[TIMEBANK-OPENAPI] every time bank route is in the OpenAPI document, writes with their Idempotency-Key header', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith(base));
    expect(paths).toEqual(
      expect.arrayContaining([
        `${base}/accounts/{owner_id}`,
        `${base}/accounts/{owner_id}/statement`,
        `${base}/org-units/{org_unit_id}/statement`,
        `${base}/transfers`,
        `${base}/deposits`,
        `${base}/redemptions`,
        `${base}/corrections`,
        `${base}/catalog`,
        `${base}/catalog/{item_id}`,
      ]),
    );
    const params = doc.paths[`${base}/transfers`].post.parameters as Array<{
      name: string;
      in: string;
      required: boolean;
    }>;
    expect(params).toContainEqual(
      expect.objectContaining({ name: 'idempotency-key', in: 'header', required: true }),
    );
    expect(
      Object.keys(
        doc.paths[`${base}/transfers`].post.requestBody.content['application/json'].schema.properties,
      ),
    ).toEqual(expect.arrayContaining(['from', 'to', 'minutes']));
  });

  it('[TIMEBANK-RECONCILE] after all of the above the ledger reconciles', async () => {
    expect((await t.ledger.reconciliation.run()).failures).toEqual([]);
  });
});
