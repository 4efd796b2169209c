import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';

describe.each(dialects)('district document on %s', (dialect) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ dialect });
  });
  afterAll(async () => {
    await hub?.stop();
  });

  const count = async (table: 'org_units' | 'elders' | 'devices' | 'responders' | 'users') =>
    Number(
      (
        await hub.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('[DISTRICT-INVALID] an invalid document changes nothing and the 400 names every bad entry by path', async () => {
    const doc = smallDistrict();
    doc.org_units!.push({ id: 'orphan', name: '无名社区', level: 'community', parent: 'no-such-street' });
    doc.elders![0]!.devices![0]!.type = 'toaster';
    doc.elders![1]!.org_unit = 'nowhere';
    doc.elders![1]!.devices![0]!.id = 'W_BAD';
    doc.users!.push({ username: 'no-password', role: 'specialist', org_unit: 'jingtian' });
    const res = await hub.putDistrict(doc);
    expect(res.statusCode).toBe(400);
    // Schema errors (the device id format) come first, all together.
    expect(res.body.issues.map((i: { path: string }) => i.path)).toEqual(['elders[1].devices[0].id']);

    doc.elders![1]!.devices![0]!.id = 'w-0002';
    const second = await hub.putDistrict(doc);
    expect(second.statusCode).toBe(400);
    expect(second.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(
      ['elders[0].devices[0].type', 'elders[1].org_unit', 'org_units[4].parent', 'users[4].password'].sort(),
    );
    for (const table of ['org_units', 'elders', 'devices', 'responders'] as const)
      expect(await count(table)).toBe(0);
    expect(await count('users')).toBe(1); // only the first admin
  });

  it('[DISTRICT-UPSERT] a valid document creates everything; applying it again updates and never duplicates', async () => {
    const first = await hub.putDistrict(smallDistrict());
    expect(first.statusCode).toBe(200);
    expect(first.body.created.org_units).toEqual(['futian', 'lianhua', 'jingtian', 'meilin']);
    expect(first.body.created.devices).toEqual(['w-0001', 'r-0001', 'w-0002']);
    expect(first.body.issued_secrets).toEqual({});

    const doc = smallDistrict();
    doc.elders![0]!.name = '王秀英（更新）';
    const second = await hub.putDistrict(doc);
    expect(second.statusCode).toBe(200);
    expect(second.body.created.elders).toEqual([]);
    expect(second.body.updated.elders).toEqual(['e-0001', 'e-0002']);
    expect(await count('elders')).toBe(2);
    const elder = await hub.store.db
      .selectFrom('elders')
      .select('name')
      .where('id', '=', 'e-0001')
      .executeTakeFirstOrThrow();
    expect(elder.name).toBe('王秀英（更新）');
  });

  it('[DISTRICT-SECRETS] a device given without a secret gets one issued, shown once, stored only hashed', async () => {
    const chosen = 'a-secret-the-installer-chose';
    const res = await hub.putDistrict({
      elders: [
        {
          id: 'e-0003',
          name: '张伟',
          org_unit: 'meilin',
          address: '梅林二村 1 栋',
          devices: [
            { id: 'd-0003', type: 'door' },
            { id: 'r-0003', type: 'fall_radar', secret: chosen },
          ],
        },
      ],
    });
    expect(res.statusCode).toBe(200);
    const secret = res.body.issued_secrets['d-0003'];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(Object.keys(res.body.issued_secrets)).toEqual(['d-0003']);
    const hashOf = async (id: string) =>
      (
        await hub.store.db
          .selectFrom('devices')
          .select('secret_hash')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).secret_hash;
    // 192 random bits need no slow hash (a restart's reconnect storm stays fast); a chosen secret keeps scrypt.
    expect(await hashOf('d-0003')).not.toContain(secret);
    expect(await hashOf('d-0003')).toMatch(/^sha256\$/);
    expect(await hashOf('r-0003')).not.toContain(chosen);
    expect(await hashOf('r-0003')).toMatch(/^scrypt\$/);
    // Both connect with what they were given.
    await (await hub.connectDevice('d-0003', secret)).endAsync();
    await (await hub.connectDevice('r-0003', chosen)).endAsync();
    const again = await hub.putDistrict({
      elders: [
        {
          id: 'e-0003',
          name: '张伟',
          org_unit: 'meilin',
          address: '梅林二村 1 栋',
          devices: [
            { id: 'd-0003', type: 'door' },
            { id: 'r-0003', type: 'fall_radar' },
          ],
        },
      ],
    });
    expect(again.body.issued_secrets).toEqual({});
  });

  it('[DISTRICT-TYPE] a device type is fixed once provisioned', async () => {
    const res = await hub.putDistrict({
      elders: [
        {
          id: 'e-0003',
          name: '张伟',
          org_unit: 'meilin',
          address: '梅林二村 1 栋',
          devices: [{ id: 'd-0003', type: 'watch' }],
        },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.issues).toEqual([
      { path: 'elders[0].devices[0].type', message: expect.stringContaining('fixed') },
    ]);
  });

  it('[DISTRICT-SCOPE] a street admin changes only its own street, and a specialist cannot apply documents', async () => {
    const streetAdmin = await hub.login('admin-lianhua', 'admin-password-2');
    const outside = await hub.putDistrict(
      { org_units: [{ id: 'huafu', name: '华富街道', level: 'street', parent: 'futian' }] },
      streetAdmin,
    );
    expect(outside.statusCode).toBe(400);
    expect(outside.body.issues[0].path).toBe('org_units[0]');
    const inside = await hub.putDistrict(
      { org_units: [{ id: 'xiangmi', name: '香蜜社区', level: 'community', parent: 'lianhua' }] },
      streetAdmin,
    );
    expect(inside.statusCode).toBe(200);
    const specialist = await hub.login('spec-jingtian', 'spec-password-1');
    const denied = await hub.putDistrict({ org_units: [] }, specialist);
    expect(denied.statusCode).toBe(403);
  });

  it('[DISTRICT-LEVELS] a unit cannot sit under a unit of its own or a lower level, nor form a cycle', async () => {
    const res = await hub.putDistrict({
      org_units: [
        { id: 'c1', name: 'c1', level: 'community', parent: 'jingtian' },
        { id: 'futian', name: '福田区', level: 'district', parent: 'jingtian' },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'org_units[0].level',
      'org_units[1].parent',
    ]);
  });

  it('[DISTRICT-MOVE] moving a community to another street moves what is under it in every scope check', async () => {
    const move = await hub.putDistrict({
      org_units: [
        { id: 'huafu', name: '华富街道', level: 'street', parent: 'futian' },
        { id: 'meilin', name: '梅林社区', level: 'community', parent: 'huafu' },
      ],
    });
    expect(move.statusCode).toBe(200);
    const meilin = await hub.store.db
      .selectFrom('org_units')
      .select('path')
      .where('id', '=', 'meilin')
      .executeTakeFirstOrThrow();
    expect(meilin.path).toBe('/futian/huafu/meilin/');
    const streetAdmin = await hub.login('admin-lianhua', 'admin-password-2');
    const res = await hub.app.inject({ url: '/api/v1/devices', headers: hub.as(streetAdmin) });
    expect(
      res
        .json()
        .devices.map((d: { id: string }) => d.id)
        .sort(),
    ).toEqual(['r-0001', 'w-0001']);
  });
});
