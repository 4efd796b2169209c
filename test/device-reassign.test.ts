import type { MqttClient } from 'mqtt';
import { beforeEach, describe, expect, it } from 'vitest';
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
