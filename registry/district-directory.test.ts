import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDeviceCatalog } from '../devices/catalog.js';
import type { Store } from '../store/database.js';
import { dialects } from '../test/support/databases.js';
import { storeWithElder } from '../test/support/small-store.js';
import { DeviceRegistry } from './device-registry.js';
import { DistrictDirectory, type DistrictUpdate } from './district-directory.js';

const catalog = await loadDeviceCatalog();

describe.each(dialects)('the district directory on %s', (dialect) => {
  let store: Store;
  let here: DistrictDirectory;
  /** Another hub node on the same store. */
  let there: DistrictDirectory;
  let heard: { here: DistrictUpdate[]; there: DistrictUpdate[] };

  const directory = (into: DistrictUpdate[]) => {
    const d = new DistrictDirectory({
      db: store.db,
      catalog,
      reloadMs: 2 ** 31 - 1,
      onError: () => undefined,
    });
    d.changed.subscribe((u) => {
      into.push(u);
    });
    return d;
  };

  beforeEach(async () => {
    store = await storeWithElder(dialect, [{ id: 'w-0001', type: 'watch' }]);
    heard = { here: [], there: [] };
    here = directory(heard.here);
    there = directory(heard.there);
    await here.start();
    await there.start();
  });
  afterEach(async () => {
    await here.stop();
    await there.stop();
    await store.close();
  });

  it('[DISTRICT-CHANGED] provisioning and revoking through this node reload it and tell its readers, with what was revoked', async () => {
    const devices = new DeviceRegistry({ db: store.db, catalog, now: Date.now, directory: here });
    expect(here.elder('e-0001')?.devices.map((d) => d.id)).toEqual(['w-0001']);
    await devices.provision({ id: 'd-0001', type: 'door', elderId: 'e-0001' }, '/');
    expect(heard.here).toEqual([{ reason: 'provisioned', revokedDevices: [], reassignedDevices: [] }]);
    expect(here.devicesMeasuring('e-0001', 'contact').map((d) => d.id)).toEqual(['d-0001']);
    await devices.revoke('w-0001', '/');
    expect(heard.here.at(-1)).toEqual({
      reason: 'revoked',
      revokedDevices: ['w-0001'],
      reassignedDevices: [],
    });
    expect(here.elder('e-0001')?.devices.map((d) => d.id)).toEqual(['d-0001']);
  });

  it('[DISTRICT-CATCH-UP] another node catches up with a change it did not make, and only then tells its readers', async () => {
    await there.catchUp();
    expect(heard.there).toEqual([]); // nothing changed: nothing to tell
    const devices = new DeviceRegistry({ db: store.db, catalog, now: Date.now, directory: here });
    await devices.revoke('w-0001', '/');
    await store.db
      .updateTable('elders')
      .set({ lat: 22.6, updated_at: Date.now() })
      .where('id', '=', 'e-0001')
      .execute();
    expect(there.elder('e-0001')?.lat).toBe(22.5531);
    await there.catchUp();
    expect(heard.there).toEqual([{ reason: 'reloaded', revokedDevices: ['w-0001'], reassignedDevices: [] }]);
    expect(there.elder('e-0001')).toMatchObject({ lat: 22.6, devices: [] });
    expect(there.homes()).toEqual([]);
  });
});
