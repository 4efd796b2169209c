import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import pg from 'pg';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../hub/config.js';
import { startHub } from '../hub/hub.js';
import { openStore } from '../store/database.js';
import { dialects, freshPostgresDatabase, withPostgres } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { PostgresServer } from './support/postgres-server.js';
import { until } from './support/wait.js';

describe.each(dialects)('durability on %s', (dialect) => {
  it('[EVENT-REPLAY] events stored (acknowledged) but not handled before a crash — an SOS, a radar fall — open their alerts at the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'yiyang-replay-'));
    const databaseUrl = dialect === 'postgres' ? await freshPostgresDatabase() : undefined;
    const config = loadConfig(
      {},
      // A cheap password hash, as every test hub's: three full starts here, on a loaded machine 30 s.
      {
        host: '127.0.0.1',
        port: 0,
        mqttPort: 0,
        dataDir,
        databaseUrl,
        adminPassword: 'admin-password-1',
        passwordScryptN: 1024,
      },
    );
    const logger = pino({ level: 'silent' });

    const first = await startHub(config, { logger });
    const login = await first.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'admin-password-1' },
    });
    const token = login.json().token as string;
    const put = await first.app.inject({
      method: 'PUT',
      url: '/api/v1/district',
      headers: { authorization: `Bearer ${token}` },
      payload: smallDistrict(),
    });
    expect(put.statusCode).toBe(200);
    await first.stop();

    // What the store holds when the hub dies between the PUBACK and the alert: each event under the
    // elder its device had (EventLog.record).
    const store = await openStore({ databaseUrl, dataDir });
    const now = Date.now();
    await store.db
      .insertInto('device_events')
      .values([
        {
          device_id: 'w-0001',
          event_id: 'crash-1',
          type: 'sos',
          device_ts: now,
          received_at: now,
          payload: JSON.stringify({ ts: now, event_id: 'crash-1', type: 'sos' }),
          handled_at: null,
          elder_id: 'e-0001',
        },
        {
          device_id: 'r-0001',
          event_id: 'crash-2',
          type: 'fall',
          device_ts: now,
          received_at: now,
          payload: JSON.stringify({ ts: now, event_id: 'crash-2', type: 'fall' }),
          handled_at: null,
          elder_id: 'e-0001',
        },
      ])
      .execute();
    await store.close();

    const second = await startHub(config, { logger });
    const alerts = await second.app.inject({
      url: '/api/v1/alerts?status=open',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(alerts.json().alerts).toHaveLength(2);
    expect(alerts.json().alerts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'sos', device_id: 'w-0001', status: 'open' }),
        expect.objectContaining({ kind: 'fall', device_id: 'r-0001', status: 'open', severity: 'critical' }),
      ]),
    );
    await second.stop();

    // And a third start does not open them again.
    const third = await startHub(config, { logger });
    const again = await third.app.inject({
      url: '/api/v1/alerts',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(again.json().alerts).toHaveLength(2);
    await third.stop();
  }, 60_000);
});

describe.runIf(withPostgres)('durability when PostgreSQL drops the hub’s connections', () => {
  it('[STORE-PG-DROP] every connection of the hub terminated by the server: no crash, the next SOS is acknowledged and stored', async () => {
    const hub = await startTestHub({ dialect: 'postgres' });
    try {
      expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
      const database = new URL(hub.config.databaseUrl!).pathname.slice(1);
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      const ended = await admin.query(
        'select pg_terminate_backend(pid) as done from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
      await admin.end();
      expect(ended.rowCount).toBeGreaterThan(0); // idle connections of the hub's pool were ended
      await new Promise((resolve) => setTimeout(resolve, 200)); // the pool hears of it
      const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
      await watch.publishAsync(
        'care/w-0001/event',
        JSON.stringify({ ts: Date.now(), event_id: 'after-drop-1', type: 'sos' }),
        { qos: 1 },
      );
      await watch.endAsync();
      const stored = await hub.store.db
        .selectFrom('device_events')
        .select('event_id')
        .where('event_id', '=', 'after-drop-1')
        .execute();
      expect(stored).toHaveLength(1);
      expect((await hub.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await hub.stop();
    }
  });
});

describe.runIf(withPostgres)('durability when PostgreSQL restarts', () => {
  it('[STORE-PG-RESTART] the server restarted while a watch sends events: no crash, every acknowledged event stored once, the others sent again and stored', async () => {
    const server = await PostgresServer.start();
    const hub = await startTestHub({ config: { databaseUrl: server.url, deviceEventsPerS: 1000 } });
    try {
      expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
      const acked: string[] = [];
      let refusals = 0;
      let restarted = false;
      const restart = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 800));
        await server.restart();
        restarted = true;
      })();
      // The watch as devices behave: an event not acknowledged is sent again, same id, after a reconnect.
      let watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
      for (let i = 0; i < 60; i++) {
        const id = `restart-${i}`;
        const payload = JSON.stringify({ ts: Date.now(), event_id: id, type: 'worn' });
        for (let attempt = 0; ; attempt++) {
          expect(attempt, `event ${id} never acknowledged`).toBeLessThan(50);
          const closed = new Promise<'closed'>((resolve) => watch.once('close', () => resolve('closed')));
          const outcome = await Promise.race([
            watch.publishAsync('care/w-0001/event', payload, { qos: 1 }).then(
              () => 'acked' as const,
              () => 'closed' as const,
            ),
            closed,
          ]);
          if (outcome === 'acked') break;
          refusals++;
          watch.end(true);
          await new Promise((resolve) => setTimeout(resolve, 200));
          watch = await reconnect(hub);
        }
        acked.push(id);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      await restart;
      await watch.endAsync();
      expect(restarted).toBe(true);
      const stored = (await hub.store.db.selectFrom('device_events').select('event_id').execute()).map(
        (r) => r.event_id,
      );
      expect(stored.sort()).toEqual([...acked].sort()); // each once, none lost
      expect((await hub.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      console.log(
        `pg restart: ${acked.length} events acknowledged, ${refusals} sends refused and sent again`,
      );
    } finally {
      await hub.stop();
      await server.stop();
    }
  }, 90_000);
});

/**
 * Connects again as a device does while the hub refuses CONNECTs "server unavailable" (it cannot check
 * secrets while its store restarts): every 300 ms, for up to 15 s (a restart on a loaded machine took
 * more than the two tries this once had).
 */
async function reconnect(hub: TestHub): Promise<MqttClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await hub.connectDevice('w-0001', 'watch-secret-0001');
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

describe.runIf(withPostgres)('readiness', () => {
  it('[READYZ] /readyz is 503 with the reason while PostgreSQL is down (/healthz stays 200), and ready again once it is back', async () => {
    const server = await PostgresServer.start();
    const hub = await startTestHub({ config: { databaseUrl: server.url } });
    try {
      expect((await hub.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', degraded: [] });
      await server.halt();
      const down = await hub.app.inject({ url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({
        status: 'unready',
        reason: expect.stringMatching(/^store_unavailable: /),
      });
      expect(down.json().reason).not.toContain('127.0.0.1'); // public: no addresses from the driver
      expect((await hub.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      await server.resume();
      const back = await until(
        () => hub.app.inject({ url: '/readyz' }),
        (answer) => answer.statusCode === 200,
        10_000,
      );
      expect(back.json()).toEqual({ status: 'ready', degraded: [] });
    } finally {
      await hub.stop();
      await server.stop();
    }
  }, 60_000);
});
