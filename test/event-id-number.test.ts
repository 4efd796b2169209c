import { beforeEach, describe, expect, it } from 'vitest';
import type { TestHub } from './support/hub.js';
import { smallDistrictHubPerFile } from './support/small-district-hub.js';
import { until } from './support/wait.js';

// One dialect: the number becomes a string before the store sees it.
describe('an event id sent as a JSON number (a counter)', () => {
  const hubOfFile = smallDistrictHubPerFile();
  let hub: TestHub;
  beforeEach(() => {
    hub = hubOfFile();
  });

  const sosAlerts = async () => {
    const res = await hub.app.inject({ url: '/api/v1/alerts?status=open', headers: hub.as(hub.adminToken) });
    const alerts = res.json().alerts as Array<{
      kind: string;
      device_id: string;
      details: { event_id?: string };
    }>;
    return alerts.filter((a) => a.kind === 'sos' && a.device_id === 'w-0001');
  };

  it('[EVENT-ID-NUMBER] 42 is taken as "42": stored and acknowledged once, a redelivery as "42" is the same event, 4.5 is answered as invalid', async () => {
    const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    const errors: Array<{ error: string; detail: unknown }> = [];
    watch.on('message', (_topic, payload) => errors.push(JSON.parse(payload.toString())));
    await watch.subscribeAsync('care/w-0001/error');
    const sos = (eventId: unknown) => JSON.stringify({ ts: Date.now(), event_id: eventId, type: 'sos' });

    // publishAsync at QoS 1 resolves on the PUBACK
    await watch.publishAsync('care/w-0001/event', sos(42), { qos: 1 });
    const stored = () => hub.store.db.selectFrom('device_events').select('event_id').execute();
    expect(await stored()).toEqual([{ event_id: '42' }]);
    const alerts = await until(sosAlerts, (a) => a.length > 0);
    expect(alerts).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ event_id: '42' }) }),
    ]);

    await watch.publishAsync('care/w-0001/event', sos('42'), { qos: 1, dup: true });
    await watch.publishAsync('care/w-0001/event', sos(4.5), { qos: 1 });
    const answered = await until(
      async () => errors,
      (e) => e.length > 0,
    );
    expect(answered).toHaveLength(1);
    expect(answered[0]).toMatchObject({ error: 'invalid' });
    expect(JSON.stringify(answered[0]!.detail)).toContain('event_id');
    expect(await stored()).toEqual([{ event_id: '42' }]);
    expect(await sosAlerts()).toHaveLength(1);
    await watch.endAsync();
  });
});
