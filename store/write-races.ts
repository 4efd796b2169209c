/**
 * Concurrent writers on PostgreSQL (two hub nodes, or two transactions of one) can
 * both find a row missing and both insert it; the second meets a unique index. Such
 * a writer retries its whole transaction, which then sees the winner's row.
 */

/** A write that saw another writer change its row first (the transaction rolls back and retries). */
export class WriteRaceLost extends Error {
  constructor(what: string) {
    super(`another writer changed ${what} first`);
  }
}

/** A unique index refused the row, on PostgreSQL or SQLite. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Runs a transaction again while it loses a race to another writer, up to `attempts` times. */
export async function retryingRaces<T>(transaction: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const lost = error instanceof WriteRaceLost || isUniqueViolation(error);
      if (!lost || attempt >= attempts) throw error;
    }
  }
}
