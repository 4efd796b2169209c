import {
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  SelectQueryNode,
  type UnknownRow,
} from 'kysely';
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

  it('[DISTRICT-LOADS-IN-ORDER] a watch fitted while a slower look at the store is under way is still known after that look: the older read does not land last', async () => {
    // The look's read of the devices is held until the fitting has run: a read from before it.
    const held = new HeldDeviceRead();
    const looking = new DistrictDirectory({
      db: store.db.withPlugin(held),
      catalog,
      reloadMs: 2 ** 31 - 1,
      onError: () => undefined,
    });
    await looking.start();
    const devices = new DeviceRegistry({ db: store.db, catalog, now: Date.now, directory: looking });
    // A change made elsewhere (another node): the look finds it and reads the district.
    await store.db.updateTable('elders').set({ updated_at: Date.now() }).where('id', '=', 'e-0001').execute();
    held.arm();
    const look = looking.catchUp();
    await held.reached;
    const fitting = devices.provision({ id: 'd-0001', type: 'door', elderId: 'e-0001' }, '/');
    setTimeout(() => held.release(), 300);
    await fitting;
    expect(looking.elderOfDevice('d-0001'), 'known when fitting returns').toBe('e-0001');
    await look;
    expect(looking.elderOfDevice('d-0001'), 'known after the look').toBe('e-0001');
    await looking.stop();
  });
});

/** Holds the result of the next read of the device rows (a select with a where) until released. */
class HeldDeviceRead implements KyselyPlugin {
  private armed = false;
  private readonly holding = new WeakSet<object>();
  private open: () => void = () => undefined;
  private gate = Promise.resolve();
  private arrived: () => void = () => undefined;
  reached = Promise.resolve();

  arm(): void {
    this.armed = true;
    this.gate = new Promise((r) => {
      this.open = r;
    });
    this.reached = new Promise((r) => {
      this.arrived = r;
    });
  }

  release(): void {
    this.open();
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (
      this.armed &&
      SelectQueryNode.is(node) &&
      node.where &&
      JSON.stringify(node.from).includes('"devices"')
    ) {
      this.armed = false;
      this.holding.add(args.queryId);
    }
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.holding.has(args.queryId)) {
      this.arrived();
      await this.gate;
    }
    return args.result;
  }
}
