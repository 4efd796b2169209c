import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../kernel/secret-hash.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';

/** Sends an HTTP upgrade request and resolves with what came back once the hub closed the socket. */
function upgrade(port: number, path: string, timeoutMs = 2000): Promise<{ closed: boolean; answer: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, answer });
    }, timeoutMs);
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, answer });
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
  });
}

describe('abuse of the hub’s doors', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('[HTTP-UPGRADE-OTHER] an upgrade to a path nobody serves is answered 404 and closed at once; /mqtt still upgrades', async () => {
    const idle = await upgrade(hub.addresses.http, '/somewhere');
    expect(idle.closed).toBe(true);
    expect(idle.answer).toMatch(/^HTTP\/1\.1 404/);
    const mqtt = await upgrade(hub.addresses.http, '/mqtt', 500);
    expect(mqtt.answer).toMatch(/^HTTP\/1\.1 101/);
  });

  it('[LOGIN-LOCK] five wrong passwords lock the username for a while, even against the right one; others go on', async () => {
    const login = (username: string, password: string) =>
      hub.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
    const unknown = await login('nobody-here', 'whatever-1');
    const wrong = await login('spec-meilin', 'wrong-password');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json()); // an unknown user answers as a wrong password
    for (let i = 0; i < 4; i++) expect((await login('spec-meilin', 'wrong-password')).statusCode).toBe(401);
    const locked = await login('spec-meilin', 'spec-password-2');
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ error: 'too_many_attempts' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    expect((await login('spec-jingtian', 'spec-password-1')).statusCode).toBe(200);
  });

  it("[DEVICE-RATE] a device flooding events is cut back on its own (answered rate_limited); another device's SOS, and its own, go through", async () => {
    const flooder = await hub.connectDevice('w-0002', 'watch-secret-0002');
    const answers: string[] = [];
    await flooder.subscribeAsync('care/w-0002/error', { qos: 0 });
    flooder.on('message', (_topic, payload) => answers.push(JSON.parse(payload.toString()).error));
    for (let i = 0; i < 120; i++) {
      await flooder.publishAsync(
        'care/w-0002/event',
        JSON.stringify({ ts: Date.now(), event_id: `loop-${i}`, type: 'worn' }),
        {
          qos: 1,
        },
      );
    }
    const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'sos-while-flooded', type: 'sos' }),
      {
        qos: 1,
      },
    );
    await watch.endAsync();
    const stored = await hub.store.db
      .selectFrom('device_events')
      .select(['device_id', 'event_id'])
      .where((eb) => eb.or([eb('event_id', 'like', 'loop-%'), eb('event_id', '=', 'sos-while-flooded')]))
      .execute();
    const looped = stored.filter((e) => e.device_id === 'w-0002').length;
    expect(looped).toBeGreaterThanOrEqual(30); // the burst
    expect(looped).toBeLessThan(60);
    expect(stored.some((e) => e.event_id === 'sos-while-flooded')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answers.filter((a) => a === 'rate_limited').length).toBe(120 - looped);
    // Its bucket is empty, but a call for help from the flooder itself is still taken.
    await flooder.publishAsync(
      'care/w-0002/event',
      JSON.stringify({ ts: Date.now(), event_id: 'sos-from-flooder', type: 'sos' }),
      { qos: 1 },
    );
    const help = await hub.store.db
      .selectFrom('device_events')
      .select('event_id')
      .where('event_id', '=', 'sos-from-flooder')
      .execute();
    expect(help).toHaveLength(1);
    await flooder.endAsync();
  });

  it('[METRICS-PRIVATE] /metrics answers this machine, not another, without METRICS_TOKEN', async () => {
    const here = await hub.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(here.statusCode).toBe(200);
    const away = await hub.app.inject({ url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(away.statusCode).toBe(403);
    expect(away.json()).toMatchObject({ error: 'forbidden' });
  });

  it('[METRICS-LABELS] a device publishing to topics of its own invention adds no metric label', async () => {
    const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    for (let i = 0; i < 20; i++) await watch.publishAsync(`care/w-0001/made-up-${i}`, '{}', { qos: 1 });
    await watch.endAsync();
    const text = (await hub.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).body;
    expect(text).not.toContain('made-up');
    expect(text).toMatch(/yiyang_mqtt_messages_in_total\{kind="other"\} 20/);
  });
});

describe('metrics behind a token', () => {
  it('[METRICS-TOKEN] with METRICS_TOKEN set, /metrics needs its bearer, from anywhere', async () => {
    const hub = await startTestHub({ config: { metricsToken: 'scrape-token-0123456789' } });
    try {
      const none = await hub.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
      expect(none.statusCode).toBe(403);
      const ok = await hub.app.inject({
        url: '/metrics',
        remoteAddress: '203.0.113.9',
        headers: { authorization: 'Bearer scrape-token-0123456789' },
      });
      expect(ok.statusCode).toBe(200);
    } finally {
      await hub.stop();
    }
  });
});

describe('sign-in as shipped: limits per address, password cost', () => {
  const login = (hub: TestHub, username: string, password: string, remoteAddress = '198.51.100.7') =>
    hub.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password },
      remoteAddress,
    });

  it('[LOGIN-IP-LIMIT] one address trying many names is stopped after the limit; another address still signs in', async () => {
    const hub = await startTestHub({ config: { signInsPerIpPerMin: 4 } });
    try {
      expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
      // A spray: one guess each for many names, so no name's own lock is reached.
      const names = ['spec-jingtian', 'spec-meilin', 'admin-lianhua', 'nobody-1'];
      for (const name of names) expect((await login(hub, name, 'Password123!')).statusCode).toBe(401);
      const stopped = await login(hub, 'spec-jingtian', 'spec-password-1');
      expect(stopped.statusCode).toBe(429);
      expect(stopped.json()).toMatchObject({ error: 'too_many_attempts' });
      expect(stopped.json().message).toContain('from this address');
      expect(Number(stopped.headers['retry-after'])).toBeGreaterThan(0);
      expect((await login(hub, 'spec-jingtian', 'spec-password-1', '198.51.100.8')).statusCode).toBe(200);
    } finally {
      await hub.stop();
    }
  });

  it('[PASSWORD-COST] passwords are stored at OWASP scrypt cost (N=2^15, r=8, p=3); a weaker stored hash is raised at sign-in', async () => {
    const hub = await startTestHub({ config: { passwordScryptN: 1 << 15 } });
    try {
      expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
      const hashOf = async (username: string) =>
        (
          await hub.store.db
            .selectFrom('users')
            .select('password_hash')
            .where('username', '=', username)
            .executeTakeFirstOrThrow()
        ).password_hash;
      expect(await hashOf('spec-jingtian')).toMatch(/^scrypt\$32768\$8\$3\$/);
      // A hash from before the cost was raised (N=2^14, p=1) still signs in, and is raised on the way.
      await hub.store.db
        .updateTable('users')
        .set({ password_hash: await hashSecret('spec-password-1') })
        .where('username', '=', 'spec-jingtian')
        .execute();
      expect(await hashOf('spec-jingtian')).toMatch(/^scrypt\$16384\$8\$1\$/);
      expect((await login(hub, 'spec-jingtian', 'spec-password-1')).statusCode).toBe(200);
      expect(await hashOf('spec-jingtian')).toMatch(/^scrypt\$32768\$8\$3\$/);
      expect((await login(hub, 'spec-jingtian', 'spec-password-1')).statusCode).toBe(200);
      expect((await login(hub, 'spec-jingtian', 'wrong-password')).statusCode).toBe(401);
    } finally {
      await hub.stop();
    }
  });

  it('[SIGN-IN-BUSY] a storm of sign-ins takes two hash slots and a bounded queue; the rest are told to retry, none fail', async () => {
    const hub = await startTestHub({ config: { passwordScryptN: 1 << 14 } });
    try {
      expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) => login(hub, `nobody-${i}`, 'whatever-1', `198.51.100.${i}`)),
      );
      const statuses = answers.map((a) => a.statusCode);
      // 2 checking + 32 waiting when all 60 arrive at once; a few more if the first checks end
      // before the last requests arrive (a loaded machine): never fewer, and the rest refused.
      expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(34);
      const busy = answers.filter((a) => a.statusCode === 503);
      expect(busy.length).toBeGreaterThanOrEqual(20);
      expect(busy.length + statuses.filter((s) => s === 401).length).toBe(60);
      expect(busy[0]!.json()).toMatchObject({ error: 'sign_in_busy' });
      expect(busy[0]!.headers['retry-after']).toBe('1');
    } finally {
      await hub.stop();
    }
  });
});

describe('behind a reverse proxy', () => {
  it('[TRUST-PROXY] with TRUST_PROXY the caller is the forwarded address (per-address sign-in limit, /metrics); without it a forwarded header is not believed', async () => {
    const proxied = await startTestHub({ config: { trustProxy: '127.0.0.1', signInsPerIpPerMin: 2 } });
    try {
      const from = (client: string) => ({
        method: 'POST' as const,
        url: '/api/v1/auth/login',
        payload: { username: 'nobody-here', password: 'whatever-1' },
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': client },
      });
      expect((await proxied.app.inject(from('203.0.113.1'))).statusCode).toBe(401);
      expect((await proxied.app.inject(from('203.0.113.1'))).statusCode).toBe(401);
      const limited = await proxied.app.inject(from('203.0.113.1'));
      expect(limited.statusCode).toBe(429);
      expect(limited.json().message).toContain('from this address');
      expect((await proxied.app.inject(from('203.0.113.2'))).statusCode).toBe(401); // another caller
      const metrics = await proxied.app.inject({
        url: '/metrics',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': '203.0.113.1' },
      });
      expect(metrics.statusCode).toBe(403);
    } finally {
      await proxied.stop();
    }
    const direct = await startTestHub();
    try {
      const spoofed = await direct.app.inject({
        url: '/metrics',
        remoteAddress: '198.51.100.9',
        headers: { 'x-forwarded-for': '127.0.0.1' },
      });
      expect(spoofed.statusCode).toBe(403);
    } finally {
      await direct.stop();
    }
  });
});

describe('the hub’s own topic', () => {
  it('[DEVICE-ID-HUB] no device may be called "hub" (care/hub/state is the hub’s): refused in a district document and at provisioning', async () => {
    const hub = await startTestHub();
    try {
      const doc = smallDistrict();
      doc.elders![0]!.devices!.push({ id: 'hub', type: 'door' });
      const put = await hub.putDistrict(doc);
      expect(put.statusCode).toBe(400);
      expect((put.body as { issues: unknown[] }).issues).toContainEqual({
        path: 'elders[0].devices[2].id',
        message: 'must match ^[a-z0-9][a-z0-9-]{2,63}$ and not be "hub"',
      });
      const provision = await hub.app.inject({
        method: 'POST',
        url: '/api/v1/devices',
        headers: hub.as(hub.adminToken),
        payload: { id: 'hub', type: 'door' },
      });
      expect(provision.statusCode).toBe(400);
      expect(provision.json()).toMatchObject({ error: 'invalid_request', issues: [{ path: 'id' }] });
    } finally {
      await hub.stop();
    }
  });
});
