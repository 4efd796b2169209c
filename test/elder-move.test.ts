import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/hub.js';
import { matrixDistrict } from './support/scope-matrix.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';

describe('an elder who moves to another org unit', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
    // 王秀英 (e-0001) lives in the 王家 family unit under 景田; the district also has 梅林.
    expect((await hub.putDistrict(matrixDistrict())).statusCode).toBe(200);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  const call = async (token: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await hub.app.inject({
      method,
      url,
      headers: { ...hub.as(token), 'idempotency-key': randomUUID() },
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: res.json() };
  };

  it('[ELDER-MOVE-SCOPE] takes their alerts and their time-bank account along: the unit left sees and spends neither', async () => {
    const admin = hub.adminToken;
    const grant = await call(admin, 'POST', '/api/v1/timebank/transfers', {
      from: { owner_id: 'jingtian', kind: 'fund' },
      to: { owner_id: 'e-0001', kind: 'elder' },
      minutes: 100,
    });
    expect(grant.status, JSON.stringify(grant.body)).toBe(200);
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'before-move');
    const [alert] = await until(
      async () => (await call(admin, 'GET', '/api/v1/alerts')).body.alerts as Array<{ id: string }>,
      (a) => a.length > 0,
    );
    const [fam, specJt, specMl] = await Promise.all([
      hub.login('fam-wang', 'pw-fam-wang-scope'),
      hub.login('spec-jingtian', 'pw-spec-jingtian-scope'),
      hub.login('spec-meilin', 'pw-spec-meilin-scope'),
    ]);
    expect((await call(fam, 'GET', `/api/v1/alerts/${alert!.id}`)).status).toBe(200);

    const moved = matrixDistrict();
    moved.elders![0]!.org_unit = 'meilin';
    moved.elders![0]!.address = '梅林二村 新家';
    moved.users = []; // the users unchanged: their sessions stand
    expect((await hub.putDistrict(moved)).statusCode).toBe(200);

    // The alert: the new unit's, hidden from the old one exactly as a missing one.
    expect((await call(specMl, 'GET', `/api/v1/alerts/${alert!.id}`)).status).toBe(200);
    for (const token of [fam, specJt]) {
      const other = randomUUID();
      const hidden = await call(token, 'GET', `/api/v1/alerts/${alert!.id}`);
      const missing = await call(token, 'GET', `/api/v1/alerts/${other}`);
      expect(hidden.status).toBe(404);
      expect(JSON.stringify(hidden.body).replace(alert!.id, '<id>')).toBe(
        JSON.stringify(missing.body).replace(other, '<id>'),
      );
      expect((await call(token, 'GET', '/api/v1/alerts')).body.alerts).toEqual([]);
    }
    // The account: read and spent by the new unit, not by the family left behind.
    expect((await call(specMl, 'GET', '/api/v1/timebank/accounts/e-0001?kind=elder')).status).toBe(200);
    expect((await call(fam, 'GET', '/api/v1/timebank/accounts/e-0001?kind=elder')).status).toBe(404);
    const spend = await call(fam, 'POST', '/api/v1/timebank/transfers', {
      from: { owner_id: 'e-0001', kind: 'elder' },
      to: { owner_id: 'wang', kind: 'family' },
      minutes: 50,
    });
    expect(spend.status).not.toBe(200);
    expect(spend.body.error).not.toBeUndefined();
  });

  it('[ELDER-MOVE-TAKEN-ORDER] a service a volunteer of the old community took is open again in the new one: that volunteer no longer sees the new home', async () => {
    // 李桂兰 (e-0002) lives in 梅林; v-ml, 梅林's volunteer, takes her meal delivery.
    const [specMl, vMl, vJt, specJt] = await Promise.all([
      hub.login('spec-meilin', 'pw-spec-meilin-scope'),
      hub.login('v-ml', 'pw-v-ml-scope'),
      hub.login('v-jt', 'pw-v-jt-scope'),
      hub.login('spec-jingtian', 'pw-spec-jingtian-scope'),
    ]);
    const published = await call(specMl, 'POST', '/api/v1/service-orders', {
      elder_id: 'e-0002',
      kind: 'meal_delivery',
      wanted_at: Date.now() + 86_400_000,
    });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const id = published.body.id as string;
    expect((await call(vMl, 'POST', `/api/v1/service-orders/${id}/take`)).status).toBe(200);
    const mineBefore = await call(vMl, 'GET', '/api/v1/service-orders/mine');
    expect(JSON.stringify(mineBefore.body)).toContain(id);

    const moved = matrixDistrict();
    moved.elders![0]!.org_unit = 'meilin'; // as the test before left 王秀英
    moved.elders![1]!.org_unit = 'jingtian';
    moved.elders![1]!.address = '景田南二街 8 栋 101';
    moved.users = [];
    expect((await hub.putDistrict(moved)).statusCode).toBe(200);

    // v-ml is not of 景田: the order is 景田's open request now, in neither of v-ml's lists (before
    // the move, both had it), and 景田's volunteer sees it.
    const listed = async (token: string) => {
      const all = await call(token, 'GET', '/api/v1/service-orders');
      const mine = await call(token, 'GET', '/api/v1/service-orders/mine');
      expect([all.status, mine.status]).toEqual([200, 200]);
      return JSON.stringify([all.body, mine.body]);
    };
    expect(await listed(vMl)).not.toContain(id);
    expect(await listed(vMl)).not.toContain('景田南二街');
    expect(await listed(vJt)).toContain(id);
    const seen = await call(specJt, 'GET', `/api/v1/service-orders/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.order).toMatchObject({
      status: 'requested',
      volunteer_id: null,
      community_id: 'jingtian',
    });
    expect(seen.body.timeline.at(-1)).toMatchObject({
      actor: 'hub',
      from_status: 'taken',
      to_status: 'requested',
      code: 'order_reassigned',
      params: { from: 'v-ml', to: null },
    });
    // 景田's volunteer takes it.
    expect((await call(vJt, 'POST', `/api/v1/service-orders/${id}/take`)).status).toBe(200);
  });
});
