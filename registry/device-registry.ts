import type { Transaction } from 'kysely';
import type { DeviceCatalog } from '../devices/catalog.js';
import { hashIssuedSecret, hashSecret, newSecret, type SecretStored } from '../kernel/secret-hash.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import { underPath } from '../store/scope.js';
import type { DistrictDirectory } from './district-directory.js';
import { elderInScope, writingForElder } from './elder-lookup.js';

export interface DeviceRecord {
  id: string;
  type: string;
  elder_id: string | null;
  org_unit_id: string | null;
  revoked_at: number | null;
  created_at: number;
  /** Health: this node's live view when it has a newer one, else as last persisted. */
  last_seen_at: number | null;
  online: boolean;
  battery: number | null;
  worn: boolean | null;
}

export class DeviceRegistryError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Provisioning: a device gets an id, a type (fixed for life) and a secret that
 * is shown once and stored only hashed; revocation refuses its next CONNECT.
 */
export class DeviceRegistry {
  constructor(
    private readonly deps: {
      db: Database;
      catalog: DeviceCatalog;
      now: () => number;
      /** Reloaded after a device is provisioned or revoked; it tells every reader of the district. */
      directory: Pick<DistrictDirectory, 'refresh'>;
      /** Told a new secret and its stored hash (the gateway skips the slow check at its first CONNECT). */
      secretStored?: SecretStored;
      /**
       * This node's live view of a device's health; the stored one is written every few
       * seconds, and a device that has just pressed SOS must not show "never seen".
       */
      liveHealth?: (id: string) => LiveHealth | null;
    },
  ) {}

  async provision(
    device: { id: string; type: string; elderId: string | null; secret?: string | undefined },
    scopePath: string,
  ): Promise<{ device: DeviceRecord; secret: string }> {
    if (!this.deps.catalog.get(device.type)) {
      throw new DeviceRegistryError(
        'invalid',
        `unknown device type ${device.type}; known: ${this.deps.catalog.names().join(', ')}`,
      );
    }
    if (device.elderId) {
      const elder = await elderInScope(this.deps.db, device.elderId, scopePath);
      // An erased elder is not there, as on every staff route: no watch is fitted to them.
      if (!elder || elder.erased_at !== null)
        throw new DeviceRegistryError('not_found', `no elder ${device.elderId} in your org unit`);
    } else if (scopePath !== '/')
      throw new DeviceRegistryError('invalid', 'a device outside any elder needs a hub-wide admin');
    const existing = await this.deps.db
      .selectFrom('devices')
      .select('id')
      .where('id', '=', device.id)
      .executeTakeFirst();
    if (existing) throw new DeviceRegistryError('conflict', `device ${device.id} already exists`);
    const secret = device.secret ?? newSecret();
    const created_at = this.deps.now();
    const secret_hash = device.secret ? await hashSecret(secret) : hashIssuedSecret(secret);
    const row = {
      id: device.id,
      type: device.type,
      elder_id: device.elderId,
      secret_hash,
      revoked_at: null,
      created_at,
    };
    const insert = (db: Database | Transaction<Tables>) => db.insertInto('devices').values(row).execute();
    // Fitted to an elder: written under the elder's hold, so an erasure beside it cannot miss it.
    if (device.elderId) await writingForElder(this.deps.db, device.elderId, insert);
    else await insert(this.deps.db);
    this.deps.secretStored?.(device.id, secret, secret_hash);
    await this.deps.directory.refresh('provisioned');
    return { device: await this.get(device.id, scopePath), secret };
  }

  /** A new secret for an existing device: the old one stops working at once. */
  async rotateSecret(id: string, scopePath: string): Promise<{ device: DeviceRecord; secret: string }> {
    await this.get(id, scopePath);
    const secret = newSecret();
    const secret_hash = hashIssuedSecret(secret);
    await this.deps.db.updateTable('devices').set({ secret_hash }).where('id', '=', id).execute();
    this.deps.secretStored?.(id, secret, secret_hash);
    return { device: await this.get(id, scopePath), secret };
  }

  async revoke(id: string, scopePath: string): Promise<DeviceRecord> {
    const device = await this.get(id, scopePath);
    if (device.revoked_at === null) {
      await this.deps.db
        .updateTable('devices')
        .set({ revoked_at: this.deps.now() })
        .where('id', '=', id)
        .execute();
      await this.deps.directory.refresh('revoked');
    }
    return this.get(id, scopePath);
  }

  async get(id: string, scopePath: string): Promise<DeviceRecord> {
    const row = await this.scoped(scopePath).where('d.id', '=', id).executeTakeFirst();
    if (!row) throw new DeviceRegistryError('not_found', `no device ${id} in your org unit`);
    return this.withLiveHealth(toRecord(row));
  }

  async list(scopePath: string, limit: number): Promise<DeviceRecord[]> {
    const rows = await this.scoped(scopePath).orderBy('d.id').limit(limit).execute();
    return rows.map((row) => this.withLiveHealth(toRecord(row)));
  }

  /** The newer of the stored and the live health (the device may speak to another node). */
  private withLiveHealth(record: DeviceRecord): DeviceRecord {
    const live = this.deps.liveHealth?.(record.id);
    if (!live || live.last_seen_at === null || live.last_seen_at < (record.last_seen_at ?? 0)) return record;
    const { last_seen_at, online, battery, worn } = live;
    return { ...record, last_seen_at, online, battery, worn };
  }

  private scoped(scopePath: string) {
    let query = this.deps.db
      .selectFrom('devices as d')
      .leftJoin('elders as e', 'e.id', 'd.elder_id')
      .leftJoin('org_units as o', 'o.id', 'e.org_unit_id')
      .leftJoin('device_health as h', 'h.device_id', 'd.id')
      .select(['d.id', 'd.type', 'd.elder_id', 'e.org_unit_id', 'd.revoked_at', 'd.created_at'])
      .select(['h.last_seen_at', 'h.online', 'h.battery', 'h.worn']);
    // Devices of no elder are seen only by hub-wide users.
    if (scopePath !== '/') query = query.where(underPath('o.path', scopePath));
    return query;
  }
}

export type LiveHealth = Pick<DeviceRecord, 'last_seen_at' | 'online' | 'battery' | 'worn'>;

function toRecord(row: {
  id: string;
  type: string;
  elder_id: string | null;
  org_unit_id: string | null;
  revoked_at: number | null;
  created_at: number;
  last_seen_at: number | null;
  online: number | null;
  battery: number | null;
  worn: number | null;
}): DeviceRecord {
  return {
    ...row,
    online: row.online === 1,
    worn: row.worn === null ? null : row.worn === 1,
  };
}
