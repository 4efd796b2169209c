import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/wait.js';

describe.each(dialects)('scope on %s', (dialect) => {
  let hub: TestHub;
  afterEach(async () => {
    await hub.stop();
  });

  async function districtWithMeilinAdmin() {
    hub = await startTestHub({ dialect });
    const doc = smallDistrict();
    doc.users = [
      ...doc.users!,
      { username: 'admin-meilin', password: 'admin-password-3', role: 'admin', org_unit: 'meilin' },
    ];
    expect((await hub.putDistrict(doc)).statusCode).toBe(200);
    return hub.login('admin-meilin', 'admin-password-3');
  }

  it('[SCOPE-RESPONDER-LOGIN] an admin cannot give a login to a responder of another unit', async () => {
    const meilinAdmin = await districtWithMeilinAdmin();
    const answer = await hub.putDistrict(
      { users: [{ username: 'v-0001', password: 'taken-over-1', role: 'responder', org_unit: 'meilin' }] },
      meilinAdmin,
    );
    expect(answer.statusCode).toBe(400);
    expect(answer.body.issues).toContainEqual({
      path: 'users[0].username',
      message: 'the responder v-0001 is outside your org unit (/futian/lianhua/meilin/)',
    });
  });

  it('[SCOPE-ASSIGN] a specialist can assign by hand only responders of their own unit or below', async () => {
    await districtWithMeilinAdmin();
    const watch = await hub.connectDevice('w-0002', 'watch-secret-0002'); // 李桂兰, in 梅林
    await watch.publishAsync(
      'care/w-0002/event',
      JSON.stringify({ ts: Date.now(), event_id: 'sos-m', type: 'sos' }),
      {
        qos: 1,
      },
    );
    await watch.endAsync();
    const [alert] = await until(
      () => hub.store.db.selectFrom('alerts').select('id').execute(),
      (rows) => rows.length === 1,
    );
    const specMeilin = await hub.login('spec-meilin', 'spec-password-2');
    const assign = (responder: string) =>
      hub.app.inject({
        method: 'POST',
        url: `/api/v1/alerts/${alert!.id}/assign`,
        headers: hub.as(specMeilin),
        payload: { responder_id: responder },
      });
    const other = await assign('v-0001'); // a 景田 volunteer
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual({ error: 'not_found', message: 'no responder v-0001 in your org unit' });
    const none = await assign('v-9999');
    expect(none.json()).toEqual({ error: 'not_found', message: 'no responder v-9999 in your org unit' });
  });

  it('[SCOPE-CASE] a unit whose id differs only in case is another unit: its alerts stay hidden', async () => {
    hub = await startTestHub({ dialect });
    const doc = smallDistrict();
    doc.org_units = [
      ...doc.org_units!,
      { id: 'JINGTIAN', name: '另一个社区', level: 'community', parent: 'lianhua' },
    ];
    doc.elders = [
      ...doc.elders!,
      {
        id: 'e-0003',
        name: '赵淑珍',
        org_unit: 'JINGTIAN',
        address: '别处 1 号',
        location: { lat: 22.56, lon: 114.05 },
        devices: [{ id: 'w-0003', type: 'watch', secret: 'watch-secret-0003' }],
      },
    ];
    expect((await hub.putDistrict(doc)).statusCode).toBe(200);
    const watch = await hub.connectDevice('w-0003', 'watch-secret-0003');
    await watch.publishAsync(
      'care/w-0003/event',
      JSON.stringify({ ts: Date.now(), event_id: 'sos-J', type: 'sos' }),
      {
        qos: 1,
      },
    );
    await watch.endAsync();
    await until(
      () => hub.store.db.selectFrom('alerts').select('id').execute(),
      (rows) => rows.length === 1,
    );
    const spec = await hub.login('spec-jingtian', 'spec-password-1');
    const list = await hub.app.inject({ url: '/api/v1/alerts', headers: hub.as(spec) });
    expect(list.statusCode).toBe(200);
    expect(list.json().alerts).toEqual([]);
    const admin = await hub.app.inject({ url: '/api/v1/alerts', headers: hub.as(hub.adminToken) });
    expect(admin.json().alerts).toHaveLength(1);
  });
});
