import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { type HubProcess, startHubProcess, tempDataDir } from '../bench/lib/hub-process.js';
import { openStore } from '../store/database.js';
import { putDistrictOverHttp } from './support/hub.js';

const trials = 5;
/** QoS 1 events each trial has in flight from a second watch when the hub is killed (1,000 over the trials). */
const eventsPerTrial = 200;
const cancelWindowS = 6;

/** The hub as operators run it, on a data folder that survives it. */
const start = (dataDir: string) =>
  startHubProcess({
    dataDir,
    // The second watch sends far beyond one device's own limit: lifted, so every event is either stored or not acknowledged.
    env: { FALL_CANCEL_WINDOW_S: String(cancelWindowS), DEVICE_EVENTS_PER_S: '100000', LOG_LEVEL: 'silent' },
  });

const device = (hub: HubProcess, id: string, secret: string) =>
  mqtt.connectAsync(hub.mqttUrl, {
    clientId: id,
    username: id,
    password: secret,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });

describe('the hub killed while alarms are in flight', () => {
  it(`[CRASH-SIGKILL] ${trials} SIGKILLs at random moments: every acknowledged event is stored once, every fall in its window is alerted after the restart`, async () => {
    const dataDir = tempDataDir();
    const acknowledged = new Set<string>();
    let falls = 0;
    for (let trial = 0; trial < trials; trial++) {
      const hub = await start(dataDir);
      if (trial === 0) await putDistrictOverHttp(hub.httpUrl, 'bench-admin-password');
      // A fall the watch saw: acknowledged, its cancel window open when the hub dies.
      const wearer = await device(hub, 'w-0001', 'watch-secret-0001');
      const fallId = `fall-${trial}`;
      await wearer.publishAsync(
        'care/w-0001/event',
        JSON.stringify({ ts: Date.now(), event_id: fallId, type: 'fall' }),
        {
          qos: 1,
        },
      );
      acknowledged.add(fallId);
      falls++;
      // Events streaming from another watch while the hub dies, each counted once it is acknowledged.
      const other = await device(hub, 'w-0002', 'watch-secret-0002');
      const closed = new Promise<'closed'>((resolve) => other.once('close', () => resolve('closed')));
      // All in flight at once, each counted when its PUBACK comes. One in flight when the socket dies
      // never settles (mqtt.js keeps it for a reconnect): the close ends the wait, and it counts as
      // not acknowledged.
      const streaming = Promise.all(
        Array.from({ length: eventsPerTrial }, async (_, i) => {
          const id = `t${trial}-e${i}`;
          const payload = JSON.stringify({ ts: Date.now(), event_id: id, type: 'worn' });
          const outcome = await Promise.race([
            other.publishAsync('care/w-0002/event', payload, { qos: 1 }).then(
              () => 'acked' as const,
              () => 'closed' as const,
            ),
            closed,
          ]);
          if (outcome === 'acked') acknowledged.add(id);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 2500));
      process.kill(hub.pid, 'SIGKILL');
      await streaming;
      wearer.end(true);
      other.end(true);
    }
    // The last start: every window ran out or runs out now; then the store is read.
    const last = await start(dataDir);
    await new Promise((resolve) => setTimeout(resolve, (cancelWindowS + 2) * 1000));
    await last.stop();
    const store = await openStore({ dataDir });
    try {
      const stored = await store.db.selectFrom('device_events').select('event_id').execute();
      const ids = stored.map((r) => r.event_id);
      expect(new Set(ids).size).toBe(ids.length); // none twice
      expect([...acknowledged].filter((id) => !ids.includes(id))).toEqual([]); // none lost
      const alert = await store.db
        .selectFrom('alerts')
        .select(['status', 'details'])
        .where('kind', '=', 'fall')
        .execute();
      // One incident per elder: every fall went into the one open alert (in its window, or a repeat after).
      expect(alert).toHaveLength(1);
      const details = JSON.parse(alert[0]!.details) as { detections?: number; repeats?: number };
      expect((details.detections ?? 1) + (details.repeats ?? 0)).toBeGreaterThanOrEqual(falls);
      expect(await store.db.selectFrom('pending_falls').selectAll().execute()).toEqual([]);
      console.log(
        `crash: ${trials} SIGKILLs, ${trials * eventsPerTrial} events sent, ${acknowledged.size - falls} acknowledged and stored once, ${falls} falls in their window all alerted`,
      );
    } finally {
      await store.close();
    }
  }, 180_000);
});
