import { createHash } from 'node:crypto';
import type { Store } from '../store/database.js';
import { LedgerError } from './ledger-error.js';
import { type LedgerDb, writeTransaction } from './write-transaction.js';

export interface WriteRequest {
  /** The client's Idempotency-Key: unique per intended write, within the actor's own keys. */
  key: string;
  operation: string;
  /** What is asked, as plain JSON: compared with the original on a retry. */
  content: unknown;
  /**
   * Who asks. Keys are kept per actor, so nobody can take (and so block) a key
   * someone else will use, such as a service's default `deposit:<service id>`.
   */
  actor: string;
}

export interface WriteOutcome<T> {
  result: T;
  /** True when this is a retry answered with the original result. */
  replayed: boolean;
}

/** JSON with sorted keys, so that equal content digests equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Runs each ledger write once per idempotency key, in one SQL transaction with
 * the key's record: the key is claimed first (a concurrent retry waits on it),
 * the work is done, and its result stored with the key. A retry gets the stored
 * result and pays nothing; the same key with different content is refused.
 * A refused write (e.g. not enough credits) rolls back with its key, so it may be retried.
 */
export class IdempotentWriter {
  constructor(private readonly deps: { store: Pick<Store, 'db' | 'dialect'>; now: () => number }) {}

  /** `work` gets the request's stored key, which its transfers reference. */
  async write<T>(
    request: WriteRequest,
    work: (trx: LedgerDb, requestKey: string) => Promise<T>,
  ): Promise<WriteOutcome<T>> {
    const storedKey = `${request.actor}/${request.key}`;
    const digest = createHash('sha256')
      .update(canonical({ operation: request.operation, content: request.content }))
      .digest('base64url');
    return writeTransaction(this.deps.store, async (trx) => {
      const claimed = await trx
        .insertInto('timebank_requests')
        .values({
          idempotency_key: storedKey,
          operation: request.operation,
          request_digest: digest,
          actor: request.actor,
          result: '',
          created_at: this.deps.now(),
        })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .executeTakeFirst();
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) {
        const original = await trx
          .selectFrom('timebank_requests')
          .select(['request_digest', 'result'])
          .where('idempotency_key', '=', storedKey)
          .executeTakeFirstOrThrow();
        if (original.request_digest !== digest) {
          throw new LedgerError(
            'idempotency_conflict',
            `the Idempotency-Key "${request.key}" was used for a different request`,
          );
        }
        return { result: JSON.parse(original.result) as T, replayed: true };
      }
      const result = await work(trx, storedKey);
      await trx
        .updateTable('timebank_requests')
        .set({ result: JSON.stringify(result) })
        .where('idempotency_key', '=', storedKey)
        .execute();
      return { result, replayed: false };
    });
  }
}
