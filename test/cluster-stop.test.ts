import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { freshPostgresDatabase, withPostgres } from './support/databases.js';
import { deviceLogin } from './support/device-login.js';
import { adminPassword, putDistrictOverHttp } from './support/hub.js';
import { HubProcess } from './support/hub-process.js';
import { RedisServer } from './support/redis-server.js';

/**
 * A hub process of a cluster told to stop (`SIGTERM`, as systemd does) while Redis is away: it must stop
 * in order and exit 0, not hang in a stage until its 20 s are up (CI, 2026-12-05: the MQTT stage waited
 * for ever on a Redis connection that was waiting to reconnect).
 */
describe.runIf(withPostgres)('cluster mode: a hub stopped while Redis is away', () => {
  it('[CLUSTER-SIGTERM-REDIS-AWAY] SIGTERM with Redis away and a watch connected: stopped in order, exit 0, within seconds', async () => {
    const redis = await RedisServer.start();
    let hub: HubProcess | undefined;
    let watch: MqttClient | undefined;
    try {
      hub = await HubProcess.start({
        databaseUrl: await freshPostgresDatabase(),
        redisUrl: redis.url,
        logLevel: 'warn',
        env: { CLUSTER_PARTITIONS: '4', INFERENCE_WORKERS: '1' },
      });
      await putDistrictOverHttp(hub.httpUrl, adminPassword);
      watch = await mqtt.connectAsync(hub.mqttUrl, deviceLogin('w-0001', 'watch-secret-0001'));
      await watch.subscribeAsync('care/w-0001/command', { qos: 1 });
      await redis.kill();
      // Its Redis connections now wait to reconnect (ioredis retries after 50 ms, 100 ms, …).
      await new Promise((r) => setTimeout(r, 1000));
      const asked = Date.now();
      const code = await hub.stop(12_000);
      expect(code, hub.lines.slice(-5).join('\n')).toBe(0);
      expect(Date.now() - asked).toBeLessThan(12_000);
      expect(hub.lines.filter((l) => l.includes('stop took too long'))).toEqual([]);
    } finally {
      watch?.end(true);
      if (hub && !hub.hasExited) await hub.kill();
      await redis.kill();
    }
  }, 90_000);
});
