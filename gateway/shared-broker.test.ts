import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../kernel/secret-hash.js';
import { openStore, type Store } from '../store/database.js';
import { deviceLogin } from '../test/support/device-login.js';
import { type GatewayIntake, testGateway } from '../test/support/gateway.js';
import { RedisServer } from '../test/support/redis-server.js';
import type { MqttGateway } from './mqtt-gateway.js';

/** Two gateways, as two hub processes would run them, sharing one Redis (and one store of devices). */
let redis: RedisServer;
let store: Store;
let a: MqttGateway;
let b: MqttGateway;
const intake: GatewayIntake = {
  telemetry: () => ({ ok: true }),
  availability: () => ({ ok: true }),
  event: async () => ({ ok: true }),
};

beforeAll(async () => {
  redis = await RedisServer.start();
  store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'yiyang-shared-')) });
  for (const id of ['w-0001', 'w-0002'])
    await store.db
      .insertInto('devices')
      .values({
        id,
        type: 'watch',
        elder_id: null,
        secret_hash: await hashSecret(`secret-${id}`),
        revoked_at: null,
        created_at: 0,
      })
      .execute();
  a = testGateway({ store, intake, redisUrl: redis.url });
  b = testGateway({ store, intake, redisUrl: redis.url });
  await a.start();
  await b.start();
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await store?.close();
  await redis?.kill();
});

const connect = (gateway: MqttGateway, id: string, clean = true) =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.addresses.mqtt}`, {
    ...deviceLogin(id, `secret-${id}`),
    clean,
  });

/** The next message on `topic`, or an error when none comes within `ms`. */
function next(client: MqttClient, topic: string, ms = 3000): Promise<{ payload: string; retain: boolean }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing on ${topic} within ${ms} ms`)), ms);
    client.on('message', (t, payload, packet) => {
      if (t !== topic) return;
      clearTimeout(timer);
      resolve({ payload: payload.toString(), retain: packet.retain });
    });
  });
}

describe('many hub processes, one broker (Redis)', () => {
  it('[CLUSTER-COMMAND] a command sent by one process reaches the device connected to another', async () => {
    const watch = await connect(a, 'w-0001');
    await watch.subscribeAsync('care/w-0001/command', { qos: 1 });
    const arrived = next(watch, 'care/w-0001/command');
    const commandId = await b.sendCommand('w-0001', { command: 'notify', text: '测试' });
    expect(JSON.parse((await arrived).payload)).toEqual({
      command_id: commandId,
      command: 'notify',
      text: '测试',
    });
    await watch.endAsync();
  });

  it('[CLUSTER-SESSION] a device that moves to another process keeps its subscription and gets the command sent while it was away', async () => {
    const first = await connect(a, 'w-0001', false);
    await first.subscribeAsync('care/w-0001/command', { qos: 1 });
    await first.endAsync();
    const commandId = await a.sendCommand('w-0001', { command: 'notify', text: 'while away' });
    // Listening before the CONNACK: the stored command comes right behind it.
    const moved = mqtt.connect(`mqtt://127.0.0.1:${b.addresses.mqtt}`, {
      ...deviceLogin('w-0001', 'secret-w-0001'),
      clean: false,
    });
    const delivered = JSON.parse((await next(moved, 'care/w-0001/command')).payload).command_id;
    expect(delivered).toBe(commandId);
    await moved.endAsync();
  });
  it('[CLUSTER-STOP-REDIS-AWAY] a gateway stops within seconds while Redis is away, and lets its devices go', async () => {
    const c = testGateway({ store, intake, redisUrl: redis.url });
    await c.start();
    const watch = await connect(c, 'w-0002');
    await watch.subscribeAsync('care/w-0002/command', { qos: 1 });
    const letGo = new Promise<void>((resolve) => watch.once('close', () => resolve()));
    await redis.kill();
    try {
      // Its Redis connections now wait to reconnect (ioredis retries after 50 ms, 100 ms, …): the state
      // in which mqemitter-redis' close waited for ever.
      await delay(500);
      const stopped = await Promise.race([
        c.stop().then(() => 'stopped'),
        delay(8000).then(() => 'still stopping after 8 s'),
      ]);
      expect(stopped).toBe('stopped');
      const closed = await Promise.race([
        letGo.then(() => 'closed'),
        delay(2000).then(() => 'still connected'),
      ]);
      expect(closed, 'the device was let go, to connect to another process').toBe('closed');
    } finally {
      watch.end(true);
      await redis.resume();
    }
  }, 20_000);
  it('[CLUSTER-SUBSCRIBE-REDIS-AWAY] a device that subscribes while Redis is away does not bring the process down when the retained-message scan fails', async () => {
    const c = testGateway({ store, intake, redisUrl: redis.url });
    await c.start();
    const crashes: string[] = [];
    const onUncaught = (error: Error) => crashes.push(error.message);
    process.on('uncaughtException', onUncaught);
    const watch = await connect(c, 'w-0002');
    try {
      await redis.kill();
      // The SUBSCRIBE is answered; the scan for its retained messages waits for Redis, until it is
      // given up (ioredis: after 20 reconnect attempts, ~10 s) or the connection ended.
      watch.subscribe('care/w-0002/command', { qos: 1 });
      await delay(500);
      await c.stop();
      await delay(200);
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      watch.end(true);
      await redis.resume();
    }
  }, 20_000);
});
