import type { Transaction } from 'kysely';
import type { Database } from '../../store/database.js';
import type { Tables } from '../../store/schema.js';

/**
 * A transaction that takes its locks (`hold`), then waits for `release()` and runs `then` before it
 * commits (PostgreSQL: what another writer holds while the code under test runs beside it).
 */
export async function heldRows(
  db: Database,
  hold: (trx: Transaction<Tables>) => Promise<unknown>,
  then: (trx: Transaction<Tables>) => Promise<unknown> = async () => undefined,
): Promise<{ release: () => Promise<void> }> {
  let release = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let held = () => {};
  const isHeld = new Promise<void>((r) => {
    held = r;
  });
  const done = db.transaction().execute(async (trx) => {
    await hold(trx);
    held();
    await released;
    await then(trx);
  });
  await Promise.race([isHeld, done]);
  return {
    release: async () => {
      release();
      await done;
    },
  };
}
