import { openStore, type Store } from '../../store/database.js';
import { type Dialect, migratedStorePlace } from './databases.js';

/** A store with one community, one elder and the given devices: enough for a stage's own tests. */
export async function storeWithElder(
  dialect: Dialect,
  devices: Array<{ id: string; type: string }>,
): Promise<Store> {
  const store = await openStore(await migratedStorePlace(dialect, 'yiyang-store-'));
  const { db } = store;
  await db
    .insertInto('org_units')
    .values([
      { id: 'futian', name: '福田区', level: 'district', parent_id: null, path: '/futian/', updated_at: 0 },
      {
        id: 'jingtian',
        name: '景田社区',
        level: 'community',
        parent_id: 'futian',
        path: '/futian/jingtian/',
        updated_at: 0,
      },
    ])
    .execute();
  await db
    .insertInto('elders')
    .values({
      id: 'e-0001',
      name: '王秀英',
      org_unit_id: 'jingtian',
      address: '景田北一街 3 栋 502',
      lat: 22.5531,
      lon: 114.0412,
      updated_at: 0,
    })
    .execute();
  for (const device of devices) {
    await db
      .insertInto('devices')
      .values({
        id: device.id,
        type: device.type,
        elder_id: 'e-0001',
        secret_hash: 'scrypt$unused',
        revoked_at: null,
        created_at: 0,
      })
      .execute();
  }
  return store;
}
