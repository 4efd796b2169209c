import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistrictDocumentInput } from '../registry/district-document.js';
import { startTestHub, type TestHub } from './support/hub.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and checked field by field
type Json = any;

/**
 * 景田 holds the 王 family (elder e-0001), elder e-0003 and volunteer v-jt; 梅林 holds the 李 family
 * (elder e-0002). Staff and family users of 景田 may not reach into 梅林.
 */
function district(): DistrictDocumentInput {
  const elder = (id: string, orgUnit: string, address: string) => ({
    id,
    name: `老人${id}`,
    org_unit: orgUnit,
    address,
    location: { lat: 22.5531, lon: 114.0412 },
  });
  return {
    org_units: [
      { id: 'futian', name: '福田区', level: 'district' },
      { id: 'lianhua', name: '莲花街道', level: 'street', parent: 'futian' },
      { id: 'jingtian', name: '景田社区', level: 'community', parent: 'lianhua' },
      { id: 'meilin', name: '梅林社区', level: 'community', parent: 'lianhua' },
      { id: 'pm-jt', name: '景田物业', level: 'property', parent: 'jingtian' },
      { id: 'wang', name: '王家', level: 'family', parent: 'pm-jt' },
      { id: 'li', name: '李家', level: 'family', parent: 'meilin' },
    ],
    elders: [
      elder('e-0001', 'wang', '景田北一街 3 栋 502'),
      elder('e-0002', 'li', '梅林一村 12 栋 301'),
      elder('e-0003', 'jingtian', '景田北二街 8 栋 201'),
    ],
    responders: [
      {
        id: 'v-jt',
        name: '李建国',
        kind: 'volunteer',
        org_unit: 'jingtian',
        skills: ['first_aid'],
        location: { lat: 22.5541, lon: 114.0412 },
      },
    ],
    users: [
      { username: 'fam-wang', password: 'pw-fam-wang', role: 'family', org_unit: 'wang' },
      { username: 'spec-jingtian', password: 'pw-spec-jt', role: 'specialist', org_unit: 'jingtian' },
      { username: 'admin-jingtian', password: 'pw-admin-jt', role: 'admin', org_unit: 'jingtian' },
      { username: 'spec-meilin', password: 'pw-spec-ml', role: 'specialist', org_unit: 'meilin' },
      { username: 'v-jt', password: 'pw-v-jt-scope', role: 'responder', org_unit: 'jingtian' },
    ],
  };
}

describe('time bank writes stay within the caller’s org unit', () => {
  let hub: TestHub;
  const tokens: Record<string, string> = {};

  const call = async (who: string, url: string, payload: object) => {
    const res = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/timebank${url}`,
      headers: { ...hub.as(tokens[who]!), 'idempotency-key': randomUUID() },
      payload,
    });
    return { status: res.statusCode, body: res.json() as Json };
  };
  const transfer = (who: string, from: object, to: object, extra: object = {}) =>
    call(who, '/transfers', { from, to, minutes: 1, ...extra });
  const balance = async (ownerId: string, kind: string) => {
    const res = await hub.app.inject({
      url: `/api/v1/timebank/accounts/${ownerId}?kind=${kind}`,
      headers: hub.as(hub.adminToken),
    });
    return (res.json() as Json).balance_minutes as number;
  };
  const elder = (id: string) => ({ owner_id: id, kind: 'elder' });
  const family = (id: string) => ({ owner_id: id, kind: 'family' });
  const fund = (id: string) => ({ owner_id: id, kind: 'fund' });

  beforeAll(async () => {
    hub = await startTestHub();
    const put = await hub.putDistrict(district());
    expect(put.statusCode, JSON.stringify(put.body)).toBe(200);
    tokens.admin = hub.adminToken;
    for (const { username, password } of district().users ?? [])
      tokens[username] = await hub.login(username, password!);
    // Credits to spend: the hub's admin grants from each community's fund.
    for (const [from, to] of [
      [fund('jingtian'), elder('e-0001')],
      [fund('jingtian'), elder('e-0003')],
      [fund('jingtian'), family('wang')],
      [fund('meilin'), elder('e-0002')],
    ] as const) {
      const grant = await call('admin', '/transfers', { from, to, minutes: 100 });
      expect(grant.status, JSON.stringify(grant.body)).toBe(200);
    }
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
  });

  it('[TIMEBANK-SCOPE-ORACLE] a payer or target the caller may not use is answered exactly like one that does not exist', async () => {
    // Each request names the elder `id`: e-0002 exists (in 梅林, outside every caller's unit), e-9999 does not.
    const probes: Array<[string, string, (id: string) => Promise<{ status: number; body: Json }>]> = [
      ['fam-wang spends from', 'transfer', (id) => transfer('fam-wang', elder(id), family('wang'))],
      ['fam-wang gives to', 'transfer', (id) => transfer('fam-wang', family('wang'), elder(id))],
      [
        'fam-wang redeems with',
        'redemption',
        (id) => call('fam-wang', '/redemptions', { payer: elder(id), item_id: 'no-such-item' }),
      ],
      [
        'spec-jingtian spends from',
        'transfer',
        (id) => transfer('spec-jingtian', elder(id), fund('jingtian')),
      ],
      ['spec-jingtian gives to', 'transfer', (id) => transfer('spec-jingtian', elder('e-0003'), elder(id))],
      ['v-jt gives to', 'transfer', (id) => transfer('v-jt', { owner_id: 'v-jt' }, elder(id))],
      [
        'v-jt redeems with',
        'redemption',
        (id) => call('v-jt', '/redemptions', { payer: elder(id), item_id: 'no-such-item' }),
      ],
    ];
    const before = await balance('e-0002', 'elder');
    for (const [what, _kind, probe] of probes) {
      const hidden = await probe('e-0002');
      const missing = await probe('e-9999');
      expect(missing, `${what} e-9999`).toEqual({
        status: 404,
        body: { error: 'unknown_account', message: 'no elder "e-9999"' },
      });
      expect(hidden, `${what} e-0002`).toEqual({
        status: 404,
        body: { error: 'unknown_account', message: 'no elder "e-0002"' },
      });
    }
    // Without a kind, the same: the message names no kind, whoever holds the id.
    const hidden = await transfer('fam-wang', { owner_id: 'e-0002' }, family('wang'));
    const missing = await transfer('fam-wang', { owner_id: 'e-9999' }, family('wang'));
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({
      ...missing.body,
      message: missing.body.message.replace('e-9999', 'e-0002'),
    });
    expect(await balance('e-0002', 'elder')).toBe(before);
  });

  it('[TIMEBANK-SCOPE-TARGET] staff move credits only into accounts of their own org unit and below; payments to a fund stand', async () => {
    const before = { elder: await balance('e-0002', 'elder'), family: await balance('li', 'family') };
    const refusals = [
      // A specialist of 景田 moving a 景田 elder's credits to an elder of 梅林.
      await transfer('spec-jingtian', elder('e-0003'), elder('e-0002')),
      await transfer('spec-jingtian', elder('e-0003'), family('li')),
      // An admin of 景田 granting from 景田's fund to 梅林.
      await transfer('admin-jingtian', fund('jingtian'), elder('e-0002')),
      await transfer('admin-jingtian', fund('jingtian'), family('li')),
    ];
    expect(refusals.map((r) => [r.status, r.body.error, r.body.message])).toEqual([
      [404, 'unknown_account', 'no elder "e-0002"'],
      [404, 'unknown_account', 'no family "li"'],
      [404, 'unknown_account', 'no elder "e-0002"'],
      [404, 'unknown_account', 'no family "li"'],
    ]);
    expect(await balance('e-0002', 'elder')).toBe(before.elder);
    expect(await balance('li', 'family')).toBe(before.family);

    // Within their unit, and payments to a fund for a service order, as before.
    const allowed = [
      await transfer('admin-jingtian', fund('jingtian'), elder('e-0001')),
      await transfer('spec-jingtian', elder('e-0003'), elder('e-0001')),
      await transfer('spec-jingtian', elder('e-0003'), family('wang')),
      await transfer('fam-wang', elder('e-0001'), fund('jingtian'), { service_order_id: 'so-1' }),
      await transfer('spec-meilin', elder('e-0002'), fund('meilin'), { service_order_id: 'so-2' }),
      await transfer('admin', fund('meilin'), family('li')),
    ];
    expect(allowed.map((r) => [r.status, r.body.transfer?.kind])).toEqual([
      [200, 'grant'],
      [200, 'gift'],
      [200, 'gift'],
      [200, 'service'],
      [200, 'service'],
      [200, 'grant'],
    ]);
  });
  it('[TIMEBANK-FUND-SCOPE] a fund is paid only on the payer’s own line (their unit, above, below): another community’s fund is answered like one that does not exist, and nothing moves', async () => {
    const watched: Array<[string, string]> = [
      ['meilin', 'fund'],
      ['li', 'fund'],
      ['jingtian', 'fund'],
      ['e-0001', 'elder'],
      ['e-0003', 'elder'],
      ['v-jt', 'volunteer'],
    ];
    const balances = async () => Promise.all(watched.map(([id, kind]) => balance(id, kind)));
    const before = await balances();
    // Each probe names a fund `id`: 梅林 and 李家 exist beside the payer's line, `nowhere` does not.
    const probes: Array<[string, (to: object) => Promise<{ status: number; body: Json }>]> = [
      ['fam-wang pays', (to) => transfer('fam-wang', elder('e-0001'), to, { service_order_id: 'so-x' })],
      ['spec-jingtian pays', (to) => transfer('spec-jingtian', elder('e-0003'), to)],
      ['admin-jingtian allocates', (to) => transfer('admin-jingtian', fund('jingtian'), to)],
      ['v-jt pays', (to) => transfer('v-jt', { owner_id: 'v-jt' }, to)],
    ];
    for (const [what, pay] of probes) {
      for (const id of ['meilin', 'li']) {
        const hidden = await pay(fund(id));
        const missing = await pay(fund('nowhere'));
        expect(missing, `${what} fund nowhere`).toEqual({
          status: 404,
          body: { error: 'unknown_account', message: 'no fund "nowhere"' },
        });
        expect(hidden, `${what} fund ${id}`).toEqual({
          status: 404,
          body: { error: 'unknown_account', message: `no fund "${id}"` },
        });
      }
      // Without a kind, the same: the message names no kind.
      const hidden = await pay({ owner_id: 'meilin' });
      const missing = await pay({ owner_id: 'nowhere' });
      expect(hidden.status, what).toBe(404);
      expect(hidden.body, what).toEqual({
        ...missing.body,
        message: missing.body.message.replace('nowhere', 'meilin'),
      });
    }
    expect(await balances(), 'no credits moved').toEqual(before);

    // On their own line: the community, street and district above a family; a unit below staff.
    const allowed = [
      await transfer('fam-wang', elder('e-0001'), fund('jingtian'), { service_order_id: 'so-3' }),
      await transfer('fam-wang', elder('e-0001'), fund('lianhua'), { service_order_id: 'so-4' }),
      await transfer('fam-wang', elder('e-0001'), fund('futian'), { service_order_id: 'so-5' }),
      await transfer('spec-jingtian', elder('e-0003'), fund('pm-jt'), { service_order_id: 'so-6' }),
      await transfer('admin-jingtian', fund('jingtian'), fund('pm-jt')),
    ];
    expect(allowed.map((r) => [r.status, r.body.transfer?.kind])).toEqual([
      [200, 'service'],
      [200, 'service'],
      [200, 'service'],
      [200, 'service'],
      [200, 'allocation'],
    ]);
    expect(await balance('e-0001', 'elder')).toBe(before[3]! - 3);
  });
});
