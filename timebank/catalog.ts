import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Store } from '../store/database.js';
import type { TimebankCatalogItemTable } from '../store/schema.js';
import { LedgerError } from './ledger-error.js';

export interface CatalogItem {
  id: string;
  org_unit_id: string;
  name: string;
  price_minutes: number;
  stock: number;
  active: boolean;
  created_at: number;
  updated_at: number;
}

export interface CatalogItemChange {
  name?: string | undefined;
  priceMinutes?: number | undefined;
  stock?: number | undefined;
  active?: boolean | undefined;
}

const toItem = (row: Selectable<TimebankCatalogItemTable>): CatalogItem => ({
  ...row,
  active: row.active === 1,
});

/**
 * A community's catalog for local redemption: goods and services of its partners,
 * priced in minutes, with stock. Items are withdrawn, never deleted: past
 * redemptions name them.
 */
export class Catalog {
  constructor(private readonly deps: { store: Pick<Store, 'db' | 'dialect'>; now: () => number }) {}

  async list(orgUnitId: string, options: { withdrawn?: boolean } = {}): Promise<CatalogItem[]> {
    const rows = await this.deps.store.db
      .selectFrom('timebank_catalog_items')
      .selectAll()
      .where('org_unit_id', '=', orgUnitId)
      .$if(!options.withdrawn, (q) => q.where('active', '=', 1))
      .orderBy('name')
      .orderBy('id')
      .execute();
    return rows.map(toItem);
  }

  async get(id: string): Promise<CatalogItem | undefined> {
    const row = await this.deps.store.db
      .selectFrom('timebank_catalog_items')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toItem(row);
  }

  async create(item: {
    orgUnitId: string;
    name: string;
    priceMinutes: number;
    stock: number;
  }): Promise<CatalogItem> {
    const unit = await this.deps.store.db
      .selectFrom('org_units')
      .select('level')
      .where('id', '=', item.orgUnitId)
      .executeTakeFirst();
    if (!unit) throw new LedgerError('unknown_account', `no org unit "${item.orgUnitId}"`);
    if (unit.level !== 'community') {
      throw new LedgerError(
        'invalid_request',
        `catalogs belong to communities; ${item.orgUnitId} is a ${unit.level}`,
      );
    }
    checkAmounts(item);
    const at = this.deps.now();
    const row = {
      id: randomUUID(),
      org_unit_id: item.orgUnitId,
      name: item.name,
      price_minutes: item.priceMinutes,
      stock: item.stock,
      active: 1,
      created_at: at,
      updated_at: at,
    };
    await this.deps.store.db.insertInto('timebank_catalog_items').values(row).execute();
    return toItem(row);
  }

  async update(id: string, change: CatalogItemChange): Promise<CatalogItem> {
    checkAmounts(change);
    const set: Partial<Selectable<TimebankCatalogItemTable>> = { updated_at: this.deps.now() };
    if (change.name !== undefined) set.name = change.name;
    if (change.priceMinutes !== undefined) set.price_minutes = change.priceMinutes;
    if (change.stock !== undefined) set.stock = change.stock;
    if (change.active !== undefined) set.active = change.active ? 1 : 0;
    const updated = await this.deps.store.db
      .updateTable('timebank_catalog_items')
      .set(set)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new LedgerError('unknown_item', `no catalog item ${id}`);
    return (await this.get(id))!;
  }
}

function checkAmounts(item: { priceMinutes?: number | undefined; stock?: number | undefined }): void {
  if (
    item.priceMinutes !== undefined &&
    (!Number.isSafeInteger(item.priceMinutes) || item.priceMinutes <= 0)
  ) {
    throw new LedgerError('invalid_request', 'price_minutes must be a whole number above zero');
  }
  if (item.stock !== undefined && (!Number.isSafeInteger(item.stock) || item.stock < 0)) {
    throw new LedgerError('invalid_request', 'stock must be a whole number, at least 0');
  }
}
