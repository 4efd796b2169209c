import { mkdtempSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntakeResult } from '../ingest/device-intake.js';
import { hashIssuedSecret, hashSecret } from '../kernel/secret-hash.js';
import { openStore, type Store } from '../store/database.js';
import { testGateway } from '../test/support/gateway.js';
import { mqttFrame as frame, publishFrame, mqttString as text } from '../test/support/mqtt-frames.js';
import { until } from '../test/support/wait.js';
import { DeviceAuthenticator } from './device-authenticator.js';
import type { MqttGateway } from './mqtt-gateway.js';

/** An intake whose event storage finishes only when the test says so. */
class HeldIntake {
  release: (() => void) | undefined;
  stored = 0;
  telemetry(): IntakeResult {
    return { ok: true };
  }
  availability(): IntakeResult {
    return { ok: true };
  }
  event(): Promise<IntakeResult> {
    return new Promise((resolve) => {
      this.release = () => {
        this.stored++;
        resolve({ ok: true });
      };
    });
  }
}

let store: Store;
let gateway: MqttGateway;
let authenticator: DeviceAuthenticator;
const intake = new HeldIntake();

beforeAll(async () => {
  store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'yiyang-gw-')) });
  await store.db
    .insertInto('devices')
    .values({
      id: 'w-0001',
      type: 'watch',
      elder_id: null,
      secret_hash: await hashSecret('secret-0001-abc'),
      revoked_at: null,
      created_at: 0,
    })
    .execute();
  authenticator = new DeviceAuthenticator({ db: store.db, maxSlowChecks: 4 });
  gateway = testGateway({ store, intake, authenticator });
  await gateway.start();
});
afterAll(async () => {
  await gateway.stop();
  await store.close();
});

const connect = (password = 'secret-0001-abc') =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.addresses.mqtt}`, {
    clientId: 'w-0001',
    username: 'w-0001',
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });

describe('MQTT gateway', () => {
  it('[MQTT-PUBACK] a QoS 1 event is acknowledged only after it is stored', async () => {
    const client = await connect();
    let acked = false;
    const publish = client
      .publishAsync('care/w-0001/event', JSON.stringify({ ts: 1, event_id: 'e1', type: 'sos' }), { qos: 1 })
      .then(() => {
        acked = true;
      });
    await new Promise((r) => setTimeout(r, 300));
    expect(acked).toBe(false);
    expect(intake.stored).toBe(0);
    intake.release!();
    await publish;
    expect(acked).toBe(true);
    expect(intake.stored).toBe(1);
    await client.endAsync();
  });

  it('[MQTT-STORM] reconnecting costs one slow hash per device, not one per connect', async () => {
    const before = authenticator.slowVerifications;
    for (let i = 0; i < 5; i++) await (await connect()).endAsync();
    expect(authenticator.slowVerifications - before).toBeLessThanOrEqual(1);
  });

  it('[MQTT-STORM] a changed secret is checked again: the remembered digest does not outlive it', async () => {
    await store.db
      .updateTable('devices')
      .set({ secret_hash: await hashSecret('a-brand-new-secret') })
      .where('id', '=', 'w-0001')
      .execute();
    await expect(connect()).rejects.toThrow(/Bad username or password/i);
  });

  it('[MQTT-STORM] a secret the hub issued is checked without a slow hash, even by a hub that never saw it', async () => {
    // As after a restart: the stored hash is new to this authenticator, nothing remembered.
    await store.db
      .updateTable('devices')
      .set({ secret_hash: hashIssuedSecret('issued-secret-0001') })
      .where('id', '=', 'w-0001')
      .execute();
    const before = authenticator.slowVerifications;
    await (await connect('issued-secret-0001')).endAsync();
    await expect(connect('issued-secret-0002')).rejects.toThrow(/Bad username or password/i);
    await expect(connect('secret-0001-abc')).rejects.toThrow(/Bad username or password/i);
    expect(authenticator.slowVerifications).toBe(before);
  });
});

describe('MQTT gateway, telemetry taken before aedes', () => {
  it('[MQTT-KEEPALIVE] a device that only streams telemetry is not cut for want of a PINGREQ; one that falls silent is cut', async () => {
    await store.db
      .insertInto('devices')
      .values({
        id: 'w-stream',
        type: 'watch',
        elder_id: null,
        secret_hash: hashIssuedSecret('stream-secret-1'),
        revoked_at: null,
        created_at: 0,
      })
      .execute();
    // A bare socket: no client library sending PINGREQs behind the test's back. Keepalive 1 s: aedes
    // cuts a connection after 1.5 s without a packet it counts.
    const socket = tcpConnect(gateway.addresses.mqtt!, '127.0.0.1');
    let closed = false;
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => undefined);
    const connack = new Promise((resolve) => socket.once('data', resolve));
    socket.write(
      frame(
        0x10,
        text('MQTT'),
        Buffer.from([4, 0xc2, 0, 1]),
        text('w-stream'),
        text('w-stream'),
        text('stream-secret-1'),
      ),
    );
    expect(Buffer.from((await connack) as Buffer).subarray(0, 4)).toEqual(Buffer.from([0x20, 2, 0, 0]));
    for (let i = 0; i < 15; i++) {
      socket.write(publishFrame('care/w-stream/telemetry', '{"ts":1,"heart_rate":70}'));
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(closed).toBe(false);
    // …and one that falls silent is still cut: 1.5 keepalives after its last packet, at the latest.
    const silentFrom = Date.now();
    await until(
      async () => closed,
      (c) => c,
      3000,
    );
    expect(closed).toBe(true);
    expect(Date.now() - silentFrom).toBeLessThan(2500);
    socket.destroy();
  });
});

describe('MQTT gateway under a cold reconnect storm', () => {
  it('[MQTT-STORM] beyond the slow-check queue a CONNECT is refused "server unavailable" at once, so the device backs off', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `w-storm-${i}`);
    const hash = await hashSecret('storm-secret-123');
    await store.db
      .insertInto('devices')
      .values(
        ids.map((id) => ({
          id,
          type: 'watch',
          elder_id: null,
          secret_hash: hash,
          revoked_at: null,
          created_at: 0,
        })),
      )
      .execute();
    const before = authenticator.refusedBusy;
    const results = await Promise.allSettled(
      ids.map((id) =>
        mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.addresses.mqtt}`, {
          clientId: id,
          username: id,
          password: 'storm-secret-123',
          protocolVersion: 4,
          reconnectPeriod: 0,
        }),
      ),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused)
      expect(String((r as PromiseRejectedResult).reason)).toMatch(/Server unavailable/i);
    expect(authenticator.refusedBusy - before).toBe(refused.length);
    for (const r of results) if (r.status === 'fulfilled') await r.value.endAsync();
  });
});

describe('MQTT gateway against secret guessing', () => {
  it('[MQTT-GUESSING] an address sending many wrong secrets gets no more slow checks; a real device from elsewhere connects', async () => {
    const hash = await hashSecret('guess-target-secret');
    await store.db
      .insertInto('devices')
      .values(
        ['w-guess-1', 'w-guess-2'].map((id) => ({
          id,
          type: 'watch',
          elder_id: null,
          secret_hash: hash,
          revoked_at: null,
          created_at: 0,
        })),
      )
      .execute();
    const guesser = new DeviceAuthenticator({ db: store.db, maxSlowChecks: 4 });
    const attempt = (id: string, secret: string, from: string) =>
      guesser.check(id, id, Buffer.from(secret), from);
    for (let i = 0; i < 20; i++) {
      expect(await attempt('w-guess-1', `guess-${i}`, '203.0.113.66')).toMatchObject({
        ok: false,
        returnCode: 4,
        reason: 'wrong secret',
      });
    }
    const slowBefore = guesser.slowVerifications;
    // Locked out of slow checks now, even with the right secret: refused at once, no hash run.
    expect(await attempt('w-guess-1', 'guess-target-secret', '203.0.113.66')).toMatchObject({
      ok: false,
      returnCode: 3,
      reason: 'too many wrong secrets from this address',
    });
    expect(guesser.slowVerifications).toBe(slowBefore);
    expect(await attempt('w-guess-2', 'guess-target-secret', '198.51.100.20')).toMatchObject({ ok: true });
  });
});
