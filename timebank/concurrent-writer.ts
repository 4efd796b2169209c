import { parentPort } from 'node:worker_threads';
import { openStore } from '../store/database.js';
import type { CertifiedService } from './earnings.js';
import { Ledger } from './ledger.js';
import { LedgerError } from './ledger-error.js';
import type { MoveRequest } from './transfers.js';

/**
 * A second writer for the concurrency tests, run in a worker thread: its own
 * connection(s) to the same store, as another hub node would have. For each job
 * it opens the store, waits at a shared barrier so that every writer starts at
 * once, sends all its writes together and reports how each ended.
 */
export type Write = { op: 'move'; request: MoveRequest } | { op: 'deposit'; request: CertifiedService };

export interface WriterJob {
  dataDir: string;
  databaseUrl: string | undefined;
  /** Int32 at index 0: writers wait while it is 0. */
  barrier: SharedArrayBuffer;
  writes: Write[];
}

export type WriteEnd = { ok: true; replayed: boolean; transferIds: string[] } | { ok: false; code: string };

async function run(job: WriterJob): Promise<WriteEnd[]> {
  const store = await openStore({ dataDir: job.dataDir, databaseUrl: job.databaseUrl });
  const ledger = new Ledger({ store, now: Date.now });
  try {
    parentPort!.postMessage({ ready: true });
    // Blocks this writer's thread only: the test thread releases every writer at once.
    Atomics.wait(new Int32Array(job.barrier), 0, 0);
    return await Promise.all(
      job.writes.map(async (write): Promise<WriteEnd> => {
        try {
          const outcome =
            write.op === 'move'
              ? await ledger.transfers.move(write.request)
              : await ledger.earnings.depositForService(write.request);
          const transfer = outcome.result.transfer;
          return { ok: true, replayed: outcome.replayed, transferIds: transfer ? [transfer.id] : [] };
        } catch (error) {
          if (error instanceof LedgerError) return { ok: false, code: error.code };
          return { ok: false, code: `unexpected: ${(error as Error).message}` };
        }
      }),
    );
  } finally {
    await store.close();
  }
}

parentPort?.on('message', (job: WriterJob) => {
  run(job).then(
    (ends) => parentPort!.postMessage({ ends }),
    (error: unknown) => parentPort!.postMessage({ error: String(error) }),
  );
});
parentPort?.postMessage({ loaded: true });
