import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from './support/databases.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';

describe.each(dialects)('org unit ids with an underscore, on %s', (dialect) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ dialect });
    const put = await hub.putDistrict({
      org_units: [
        { id: 'futian', name: '福田区', level: 'district' },
        { id: 'lianhua', name: '莲花街道', level: 'street', parent: 'futian' },
        { id: 'jt_1', name: '景田一社区', level: 'community', parent: 'lianhua' },
        { id: 'jtx1', name: '景田西社区', level: 'community', parent: 'lianhua' },
      ],
      elders: [
        {
          id: 'e-0001',
          name: '王秀英',
          org_unit: 'jtx1',
          address: '景田西 1 号',
          location: { lat: 22.5531, lon: 114.0412 },
          devices: [{ id: 'w-0001', type: 'watch', secret: 'watch-secret-0001' }],
        },
      ],
      responders: [],
      users: [],
    });
    expect(put.statusCode).toBe(200);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('[UNIT-ID-UNDERSCORE] an alert in 景田西 (jtx1) is listed once, in its own community, not also under jt_1', async () => {
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'underscore-1');
    const alerts = await until(
      async () =>
        (await hub.app.inject({ url: '/api/v1/alerts', headers: hub.as(hub.adminToken) })).json()
          .alerts as Array<{
          id: string;
          community_name: string;
        }>,
      (a) => a.length > 0,
    );
    expect(alerts.map((a) => a.community_name)).toEqual(['景田西社区']);
  });
});
