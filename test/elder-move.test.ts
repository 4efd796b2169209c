import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistrictDocumentInput } from '../registry/district-document.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';

/** 王秀英 lives in the 王家 family unit under 景田; the district also has 梅林. */
function district(): DistrictDocumentInput {
  return {
    org_units: [
      { id: 'futian', name: '福田区', level: 'district' },
      { id: 'lianhua', name: '莲花街道', level: 'street', parent: 'futian' },
      { id: 'jingtian', name: '景田社区', level: 'community', parent: 'lianhua' },
      { id: 'meilin', name: '梅林社区', level: 'community', parent: 'lianhua' },
      { id: 'pm-jt', name: '景田物业', level: 'property', parent: 'jingtian' },
      { id: 'wang', name: '王家', level: 'family', parent: 'pm-jt' },
    ],
    elders: [
      {
        id: 'e-0001',
        name: '王秀英',
        org_unit: 'wang',
        address: '景田北一街 3 栋 502',
        location: { lat: 22.5531, lon: 114.0412 },
        devices: [{ id: 'w-0001', type: 'watch', secret: 'watch-secret-0001' }],
      },
    ],
    responders: [],
    users: [
      { username: 'fam-wang', password: 'pw-fam-wang', role: 'family', org_unit: 'wang' },
      { username: 'spec-jingtian', password: 'pw-spec-jt', role: 'specialist', org_unit: 'jingtian' },
      { username: 'spec-meilin', password: 'pw-spec-ml', role: 'specialist', org_unit: 'meilin' },
    ],
  };
}

describe('an elder who moves to another org unit', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
    expect((await hub.putDistrict(district())).statusCode).toBe(200);
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
      hub.login('fam-wang', 'pw-fam-wang'),
      hub.login('spec-jingtian', 'pw-spec-jt'),
      hub.login('spec-meilin', 'pw-spec-ml'),
    ]);
    expect((await call(fam, 'GET', `/api/v1/alerts/${alert!.id}`)).status).toBe(200);

    const moved = district();
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
});
