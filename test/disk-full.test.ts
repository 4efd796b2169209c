import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/wait.js';

/** A 24 MiB filesystem of its own for the hub's data folder, so that filling it fills nothing else. */
function smallDisk(): { dir: string; release(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'yiyang-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir]);
  } catch (error) {
    throw new Error(
      `the disk-full test mounts a small tmpfs and needs root (npm test runs as root): ${error}`,
    );
  }
  return {
    dir,
    release() {
      execFileSync('umount', [dir]);
      rmdirSync(dir);
    },
  };
}

/** Writes a filler file until the disk is full; returns its path (delete it to give the space back). */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('the data disk full', () => {
  let disk: { dir: string; release(): void };
  let hub: TestHub;
  beforeAll(async () => {
    disk = smallDisk();
    hub = await startTestHub({ config: { dataDir: disk.dir } });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
  });
  afterAll(async () => {
    await hub?.stop();
    disk?.release();
  });

  it('[DISK-FULL] an SOS that cannot be stored is not acknowledged (the device sends it again), the hub keeps running, the store stays whole; with space back the SOS is an alert', async () => {
    const sos = (id: string) => JSON.stringify({ ts: Date.now(), event_id: id, type: 'sos' });
    const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    const worn = JSON.stringify({ ts: Date.now(), event_id: 'before-full', type: 'worn' });
    await watch.publishAsync('care/w-0001/event', worn, { qos: 1 });

    const filler = fill(disk.dir);
    // Not stored, so not acknowledged: the hub closes the connection instead of sending PUBACK.
    const closed = new Promise<'closed'>((resolve) => watch.once('close', () => resolve('closed')));
    const outcome = await Promise.race([
      watch.publishAsync('care/w-0001/event', sos('while-full'), { qos: 1 }).then(() => 'acknowledged'),
      closed,
      new Promise((resolve) => setTimeout(() => resolve('nothing within 10 s'), 10_000)),
    ]);
    expect(outcome).toBe('closed');
    expect(await hub.store.db.selectFrom('alerts').selectAll().execute()).toEqual([]);
    watch.end(true);
    expect((await hub.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const failed = await hub.metrics.rejected.get();
    expect(failed.values.find((v) => v.labels.reason === 'store_failed')?.value).toBeGreaterThanOrEqual(1);

    unlinkSync(filler);
    // The device's redelivery of the same event, once there is room again.
    const again = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.addresses.mqtt}`, {
      clientId: 'w-0001',
      username: 'w-0001',
      password: 'watch-secret-0001',
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await again.publishAsync('care/w-0001/event', sos('while-full'), { qos: 1 });
    await again.endAsync();
    const stored = await hub.store.db.selectFrom('device_events').select('event_id').execute();
    expect(stored.map((r) => r.event_id).sort()).toEqual(['before-full', 'while-full']);
    const alerts = await until(
      () => hub.store.db.selectFrom('alerts').select(['kind', 'status']).execute(),
      (rows) => rows.length > 0,
    );
    expect(alerts).toEqual([{ kind: 'sos', status: 'open' }]);
    // The file itself is whole: SQLite's own check, on a separate read-only connection.
    const check = new Database(join(disk.dir, 'yiyang.sqlite'), { readonly: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
  }, 60_000);
});
