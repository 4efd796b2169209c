import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../store/database.js';
import { sqliteFileName } from '../../store/sqlite-store-file.js';
import type { StoreLocation } from '../../store/store-backups.js';
import { type Dialect, freshPostgresDatabase } from './databases.js';

/** Where a store lives, as the hub is told: a data folder, or a PostgreSQL database. */
export type StorePlace = StoreLocation;

/** A place with no store yet: a new folder, or a new empty database. */
export async function emptyPlace(dialect: Dialect): Promise<StorePlace> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'yiyang-restore-')), 'data');
  return { dataDir, databaseUrl: dialect === 'postgres' ? await freshPostgresDatabase() : undefined };
}

/** `device/event_id` of every stored event. */
export async function storedEvents(place: StorePlace): Promise<string[]> {
  const store = await openStore(place);
  try {
    const rows = await store.db.selectFrom('device_events').select(['device_id', 'event_id']).execute();
    return rows.map((row) => `${row.device_id}/${row.event_id}`);
  } finally {
    await store.close();
  }
}

export async function transferCount(place: StorePlace): Promise<number> {
  const store = await openStore(place);
  try {
    const row = await store.db
      .selectFrom('timebank_transfers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await store.close();
  }
}

/** Stores handled events of watch w-0001 (a store with something to lose). */
export async function seedEvents(place: StorePlace, eventIds: string[]): Promise<void> {
  const store = await openStore(place);
  const now = Date.now();
  try {
    await store.db
      .insertInto('device_events')
      .values(
        eventIds.map((id) => ({
          device_id: 'w-0001',
          event_id: id,
          type: 'worn',
          device_ts: now,
          received_at: now,
          payload: JSON.stringify({ ts: now, event_id: id, type: 'worn' }),
          handled_at: now,
        })),
      )
      .execute();
  } finally {
    await store.close();
  }
}

/** What a store holds, to show it untouched: the SQLite file's bytes, or every relation and event in the database. */
export async function fingerprint(place: StorePlace): Promise<string> {
  if (!place.databaseUrl) {
    const file = join(place.dataDir, sqliteFileName);
    return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'no store';
  }
  const client = new pg.Client({ connectionString: place.databaseUrl });
  await client.connect();
  try {
    const relations = await client.query(
      `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%' order by 1`,
    );
    const names = relations.rows.map((row) => row.name as string);
    const events = names.includes('public.device_events')
      ? (await client.query('select device_id, event_id from device_events order by 1, 2')).rows
      : [];
    return JSON.stringify({ names, events });
  } finally {
    await client.end();
  }
}

/** Events kept aside by a forced restore: an SQLite file, or a schema of the database. */
export async function eventsAside(place: StorePlace, aside: string): Promise<string[]> {
  if (!place.databaseUrl) {
    const db = new SQLite(aside, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('select event_id from device_events').pluck().all() as string[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: place.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select event_id from ${client.escapeIdentifier(aside)}.device_events`,
    );
    return rows.map((row) => row.event_id as string);
  } finally {
    await client.end();
  }
}

/**
 * A long reader on an SQLite store (as a report or an export would be): while its read
 * transaction is open, checkpoints cannot move later writes into the database file, so they live
 * only in the WAL — which a backup must then include. Returns the release.
 */
export function holdWalReader(place: StorePlace): () => void {
  const db = new SQLite(join(place.dataDir, sqliteFileName), { readonly: true, fileMustExist: true });
  db.exec('begin');
  db.prepare('select count(*) from device_events').get();
  return () => {
    db.exec('commit');
    db.close();
  };
}
