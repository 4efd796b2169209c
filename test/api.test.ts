import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { pressSos as pressSosOn } from './support/sos-answered.js';
import { until } from './support/wait.js';

let hub: TestHub;
let clock = Date.now();

beforeAll(async () => {
  hub = await startTestHub({ now: () => clock, config: { tokenTtlHours: 1 } });
  expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
});
afterAll(async () => {
  await hub?.stop();
});

const pressSos = (deviceId: string, secret: string, eventId: string) =>
  pressSosOn(hub, deviceId, secret, eventId);

describe('operator interface', () => {
  it('[API-HEALTH] /healthz says ok once HTTP and MQTT accept connections', async () => {
    const res = await hub.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', pid: process.pid });
  });

  it('[API-METRICS] /metrics has connections, messages in, rejections and alerts by kind', async () => {
    const body = (await hub.app.inject({ url: '/metrics' })).body;
    for (const name of [
      'yiyang_mqtt_connections',
      'yiyang_mqtt_messages_in_total',
      'yiyang_mqtt_rejected_total',
      'yiyang_alerts_opened_total',
    ]) {
      expect(body).toContain(`# TYPE ${name}`);
    }
  });

  it('[API-OPENAPI] the OpenAPI document is generated from the route schemas and has a docs page', async () => {
    const doc = (await hub.app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/district/',
        '/api/v1/alerts/',
        '/api/v1/devices/',
        '/healthz',
      ]),
    );
    expect(
      doc.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema.properties,
    ).toHaveProperty('username');
    const page = await hub.app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
  });

  it('[API-AUTH] a wrong password gets 401; calls without a token get 401', async () => {
    const bad = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'nope-nope' },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error).toBe('bad_credentials');
    expect((await hub.app.inject({ url: '/api/v1/alerts' })).statusCode).toBe(401);
    expect(
      (await hub.app.inject({ url: '/api/v1/alerts', headers: { authorization: 'Bearer forged' } }))
        .statusCode,
    ).toBe(401);
  });

  it('[API-TOKEN-EXPIRY] a token stops working when it expires', async () => {
    const token = await hub.login('spec-jingtian', 'spec-password-1');
    expect((await hub.app.inject({ url: '/api/v1/alerts', headers: hub.as(token) })).statusCode).toBe(200);
    clock += 3_600_000 + 1;
    try {
      expect((await hub.app.inject({ url: '/api/v1/alerts', headers: hub.as(token) })).statusCode).toBe(401);
    } finally {
      clock -= 3_600_000 + 1;
    }
  });

  it('[API-VALIDATION] a bad query gets a 400 that names the parameter', async () => {
    const res = await hub.app.inject({ url: '/api/v1/alerts?status=bogus', headers: hub.as(hub.adminToken) });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues[0].path).toBe('status');
  });

  it('[API-SCOPE] a specialist sees the alerts of their own community only; a responder sees no list', async () => {
    await pressSos('w-0001', 'watch-secret-0001', 'scope-1');
    await pressSos('w-0002', 'watch-secret-0002', 'scope-2');
    const jingtian = await hub.login('spec-jingtian', 'spec-password-1');
    const meilin = await hub.login('spec-meilin', 'spec-password-2');
    const street = await hub.login('admin-lianhua', 'admin-password-2');
    const seen = async (token: string) =>
      (await hub.app.inject({ url: '/api/v1/alerts?status=open', headers: hub.as(token) }))
        .json()
        .alerts.map((a: { device_id: string }) => a.device_id)
        .sort();
    await until(
      () => seen(street),
      (devices) => devices.length === 2,
    );
    expect(await seen(jingtian)).toEqual(['w-0001']);
    expect(await seen(meilin)).toEqual(['w-0002']);
    expect(await seen(street)).toEqual(['w-0001', 'w-0002']);
    const volunteer = await hub.login('v-0001', 'volunteer-password');
    expect((await hub.app.inject({ url: '/api/v1/alerts', headers: hub.as(volunteer) })).statusCode).toBe(
      403,
    );
  });

  it('[API-PROVISION] provisioning shows the secret once; the device connects with it; revoking refuses it', async () => {
    const res = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/devices',
      headers: hub.as(hub.adminToken),
      payload: { id: 'w-0100', type: 'watch', elder_id: 'e-0001' },
    });
    expect(res.statusCode).toBe(201);
    const { secret } = res.json();
    const listed = await hub.app.inject({ url: '/api/v1/devices', headers: hub.as(hub.adminToken) });
    expect(listed.body).not.toContain(secret);
    // The hub hashed this secret itself a moment ago: the first CONNECT costs no slow hash.
    const slowChecks = hub.authenticator.slowVerifications;
    const client = await hub.connectDevice('w-0100', secret);
    await client.endAsync();
    expect(hub.authenticator.slowVerifications).toBe(slowChecks);
    const again = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/devices',
      headers: hub.as(hub.adminToken),
      payload: { id: 'w-0100', type: 'watch', elder_id: 'e-0001' },
    });
    expect(again.statusCode).toBe(409);
    const meilinSpecialist = await hub.login('spec-meilin', 'spec-password-2');
    const forbidden = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/devices/w-0100/revoke',
      headers: hub.as(meilinSpecialist),
    });
    expect(forbidden.statusCode).toBe(403);
    const streetAdmin = await hub.login('admin-lianhua', 'admin-password-2');
    const rotated = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/devices/w-0100/secret',
      headers: hub.as(streetAdmin),
    });
    expect(rotated.statusCode).toBe(200);
    const rotatedClient = await hub.connectDevice('w-0100', rotated.json().secret);
    await rotatedClient.endAsync();
    expect(hub.authenticator.slowVerifications).toBe(slowChecks);
    await expect(hub.connectDevice('w-0100', secret)).rejects.toThrow(/Bad username or password/i);
  });
});

describe('boards', () => {
  it('[API-DEVICE-LIVE] a device that has just spoken shows its health at once, not "never seen"', async () => {
    const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    clock += 60_000; // the hub's clock: this reading comes a minute after anything stored
    const sentAt = clock;
    await watch.publishAsync(
      'care/w-0001/telemetry',
      JSON.stringify({ ts: sentAt, battery: 64, worn: true }),
      {
        qos: 1,
      },
    );
    await watch.endAsync();
    // Health is written to the store every few seconds; the API must not wait for that.
    const devices = (await hub.app.inject({ url: '/api/v1/devices', headers: hub.as(hub.adminToken) })).json()
      .devices as Array<{ id: string; last_seen_at: number | null; battery: number | null; online: boolean }>;
    const w = devices.find((d) => d.id === 'w-0001');
    expect(w).toEqual(expect.objectContaining({ battery: 64, online: true }));
    expect(w?.last_seen_at).toBeGreaterThanOrEqual(sentAt);
  });

  it('[API-BOARDS] a specialist lists the elders and responders of their own community only', async () => {
    const meilin = await hub.login('spec-meilin', 'spec-password-2');
    const elders = (await hub.app.inject({ url: '/api/v1/elders', headers: hub.as(meilin) })).json().elders;
    expect(elders.map((e: { id: string }) => e.id)).toEqual(['e-0002']);
    expect(elders[0].devices).toEqual([{ id: 'w-0002', type: 'watch' }]);
    const jingtian = await hub.login('spec-jingtian', 'spec-password-1');
    const responders = (await hub.app.inject({ url: '/api/v1/responders', headers: hub.as(jingtian) })).json()
      .responders;
    expect(responders).toEqual([
      expect.objectContaining({ id: 'v-0001', kind: 'volunteer', on_duty: false, task_alert_id: null }),
    ]);
    expect(
      (await hub.app.inject({ url: '/api/v1/responders', headers: hub.as(meilin) })).json().responders,
    ).toEqual([]);
  });

  it('[API-BOARDS-PAGES] boards come a page at a time: following next_cursor lists every row once; a bad limit is refused', async () => {
    for (const [board, key] of [
      ['elders', 'elders'],
      ['responders', 'responders'],
    ] as const) {
      const all = (await hub.app.inject({ url: `/api/v1/${board}`, headers: hub.as(hub.adminToken) })).json();
      expect(all.next_cursor).toBeNull();
      expect(all[key].length).toBeGreaterThan(0); // (elders: two, so two pages)
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (
          await hub.app.inject({ url: `/api/v1/${board}${query}`, headers: hub.as(hub.adminToken) })
        ).json();
        expect(page[key]).toHaveLength(1);
        seen.push(page[key][0].id);
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(all[key].map((row: { id: string }) => row.id));
      const bad = await hub.app.inject({ url: `/api/v1/${board}?limit=0`, headers: hub.as(hub.adminToken) });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: 'invalid_request', issues: [{ path: 'limit' }] });
    }
  });
});

describe('live console', () => {
  it('[CONSOLE-LIVE] a signed-in specialist receives an SOS as `alert` on /console; another community does not', async () => {
    const jingtian = await hub.login('spec-jingtian', 'spec-password-1');
    const meilin = await hub.login('spec-meilin', 'spec-password-2');
    const url = `http://127.0.0.1:${hub.addresses.http}/console`;
    const mine = connectSocket(url, { auth: { token: jingtian }, transports: ['websocket'] });
    const other = connectSocket(url, { auth: { token: meilin }, transports: ['websocket'] });
    // Meilin's own alerts from earlier tests may still change (their ladders run on): only this SOS counts.
    const heardByOther: Array<{ id: string }> = [];
    other.on('alert', (a) => heardByOther.push(a));
    await Promise.all(
      [mine, other].map((s) => new Promise((resolve) => s.on('connect', () => resolve(null)))),
    );
    const received = new Promise<{ id: string; kind: string; device_id: string; status: string }>((resolve) =>
      mine.on('alert', resolve),
    );
    const started = Date.now();
    await pressSos('w-0001', 'watch-secret-0001', 'live-1');
    const alert = await received;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(alert).toMatchObject({ kind: 'sos', device_id: 'w-0001', status: 'open' });
    await new Promise((r) => setTimeout(r, 100));
    expect(heardByOther.filter((a) => a.id === alert.id)).toEqual([]);
    mine.close();
    other.close();
  });

  it('[CONSOLE-AUTH] a socket without a valid token is refused', async () => {
    const socket = connectSocket(`http://127.0.0.1:${hub.addresses.http}/console`, {
      auth: { token: 'forged' },
      transports: ['websocket'],
    });
    const error = await new Promise<Error>((resolve) => socket.on('connect_error', resolve));
    expect(error.message).toBe('unauthorized');
    socket.close();
  });
});
