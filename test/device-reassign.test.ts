import type { MqttClient } from 'mqtt';
import { beforeEach, describe, expect, it } from 'vitest';
import { dialects } from './support/databases.js';
import { smallDistrict, type TestHub } from './support/hub.js';
import { smallDistrictHubPerFile } from './support/small-district-hub.js';
import { until } from './support/wait.js';

/** Resolves when the client's connection closes; rejects after `ms`. */
function closed(client: MqttClient, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still connected after ${ms} ms`)), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('a device given to another elder', () => {
  const hubOfFile = smallDistrictHubPerFile();
  let hub: TestHub;
  beforeEach(() => {
    hub = hubOfFile();
  });

  it('[DEVICE-REASSIGNED] a connected radar moved to another elder is disconnected; reconnected, its fall is the new elder’s alert', async () => {
    const radar = await hub.connectDevice('r-0001', 'radar-secret-0001');
    const radarClosed = closed(radar, 5000);
    // The radar moves from 王秀英's home (e-0001) to 李桂兰's (e-0002).
    const doc = smallDistrict();
    const moved = doc.elders![0]!.devices!.pop()!;
    doc.elders![1]!.devices!.push(moved);
    expect((await hub.putDistrict(doc)).statusCode).toBe(200);
    await radarClosed;
    radar.end(true);
    const again = await hub.connectDevice('r-0001', 'radar-secret-0001');
    await again.publishAsync(
      'care/r-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'moved-fall-1', type: 'fall', confidence: 0.9 }),
      { qos: 1 },
    );
    await again.endAsync();
    const alerts = await until(
      async () =>
        (await hub.app.inject({ url: '/api/v1/alerts?status=open', headers: hub.as(hub.adminToken) })).json()
          .alerts as Array<{ kind: string; elder_id: string; device_id: string }>,
      (a) => a.some((x) => x.kind === 'fall'),
    );
    expect(alerts.filter((a) => a.kind === 'fall')).toEqual([
      expect.objectContaining({ kind: 'fall', elder_id: 'e-0002', device_id: 'r-0001' }),
    ]);
  });

  it('[DEVICE-REASSIGNED] a device the document leaves where it was stays connected', async () => {
    const watch = await hub.connectDevice('w-0002', 'watch-secret-0002');
    let closedMeanwhile = false;
    watch.once('close', () => {
      closedMeanwhile = true;
    });
    const doc = smallDistrict();
    doc.elders![0]!.devices!.pop();
    doc.elders![1]!.devices!.push({ id: 'r-0001', type: 'fall_radar', secret: 'radar-secret-0001' });
    expect((await hub.putDistrict(doc)).statusCode).toBe(200);
    await watch.publishAsync(
      'care/w-0002/event',
      JSON.stringify({ ts: Date.now(), event_id: 'still-1', type: 'worn' }),
      {
        qos: 1,
      },
    );
    expect(closedMeanwhile).toBe(false);
    await watch.endAsync();
  });
});

/**
 * Another process (another node of the cluster, or an erasure there) has moved or detached a watch: the
 * store knows, this process's view of the district learns it only at its next look. An event the watch
 * sends meanwhile is filed under whoever has it in the store, never under the person who had it.
 */
describe.each(dialects)('an event from a device moved elsewhere a moment ago, on %s', (dialect) => {
  const hubOfDescribe = smallDistrictHubPerFile(dialect);

  it('[EVENT-OWNER-FROM-STORE] is stored under the elder the store names (the new wearer, or nobody once detached), not the one this process still has in mind', async () => {
    const h = hubOfDescribe();
    const watch = await h.connectDevice('w-0001', 'watch-secret-0001');
    const ownerInStore = (elderId: string | null) =>
      h.store.db.updateTable('devices').set({ elder_id: elderId }).where('id', '=', 'w-0001').execute();
    const storedUnder = async (eventId: string) =>
      (
        await h.store.db
          .selectFrom('device_events')
          .select('elder_id')
          .where('device_id', '=', 'w-0001')
          .where('event_id', '=', eventId)
          .executeTakeFirstOrThrow()
      ).elder_id;
    const send = (eventId: string, type: string) =>
      watch.publishAsync('care/w-0001/event', JSON.stringify({ ts: Date.now(), event_id: eventId, type }), {
        qos: 1,
      });

    // Moved from 王秀英 (e-0001) to 李桂兰 (e-0002) by another process: not yet seen here.
    await ownerInStore('e-0002');
    expect(h.district.elderOfDevice('w-0001'), 'this process has not looked yet').toBe('e-0001');
    await send('after-move', 'sos');
    expect(await storedUnder('after-move')).toBe('e-0002');
    const alerts = await until(
      () => h.store.db.selectFrom('alerts').select(['elder_id', 'kind']).execute(),
      (rows) => rows.length > 0,
    );
    expect(alerts).toEqual([{ elder_id: 'e-0002', kind: 'sos' }]);

    // Detached (her erasure elsewhere): what it sends now is nobody's, and not in her export.
    await ownerInStore(null);
    expect(h.district.elderOfDevice('w-0001'), 'this process has not looked yet').toBe('e-0001');
    await send('after-detach', 'worn');
    expect(await storedUnder('after-detach')).toBeNull();
    const exported = await h.app.inject({
      url: '/api/v1/elders/e-0001/export',
      headers: h.as(h.adminToken),
    });
    expect(exported.statusCode).toBe(200);
    expect(exported.body).not.toContain('after-move');
    expect(exported.body).not.toContain('after-detach');
    // Fitted to 李桂兰 next: what it sent while it was nobody's is not hers either.
    await ownerInStore('e-0002');
    const hersNow = await h.app.inject({ url: '/api/v1/elders/e-0002/export', headers: h.as(h.adminToken) });
    expect(hersNow.statusCode).toBe(200);
    expect(hersNow.json().device_events.map((e: { event_id: string }) => e.event_id)).toEqual(['after-move']);
    await watch.endAsync();
  });
});
