import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dialects, withPostgres } from '../test/support/databases.js';
import { ledgerWithDistrict, type TestLedger } from '../test/support/timebank-district.js';
import { type AccountRef, accountKinds } from './accounts.js';
import type { Write, WriteEnd, WriterJob } from './concurrent-writer.js';
import { writeTransaction } from './write-transaction.js';

/** Writer threads, each with its own store connections (loading one takes ~0.5 s: started once per file). */
class Writers {
  private readonly workers: Worker[];
  readonly loaded: Promise<unknown>;

  constructor(count: number) {
    const file = new URL('./concurrent-writer.ts', import.meta.url).href;
    this.workers = Array.from(
      { length: count },
      () =>
        new Worker(
          `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(file)}))`,
          { eval: true },
        ),
    );
    this.loaded = Promise.all(this.workers.map((w) => next(w, 'loaded')));
  }

  /** Gives each writer its list of writes, releases them together, and collects how each write ended. */
  async write(t: TestLedger, lists: Write[][]): Promise<WriteEnd[]> {
    await this.loaded;
    const barrier = new SharedArrayBuffer(4);
    const busy = this.workers.slice(0, lists.length);
    const ready = busy.map((w) => next(w, 'ready'));
    const done = busy.map((w) => next<WriteEnd[]>(w, 'ends'));
    busy.forEach((w, i) => {
      const job: WriterJob = { dataDir: t.dataDir, databaseUrl: t.databaseUrl, barrier, writes: lists[i]! };
      w.postMessage(job);
    });
    await Promise.all(ready);
    const flag = new Int32Array(barrier);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    return (await Promise.all(done)).flat();
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The next message of a worker that carries `key`. */
function next<T>(worker: Worker, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const settle = (done: () => void) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      done();
    };
    const onError = (error: Error) => settle(() => reject(error));
    const onMessage = (message: Record<string, unknown>) => {
      if (message.error) settle(() => reject(new Error(String(message.error))));
      else if (key in message) settle(() => resolve(message[key] as T));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
  });
}

const writers = new Writers(4);
afterAll(() => writers.stop());

const spend = (key: string, minutes: number): Write => ({
  op: 'move',
  request: {
    idempotencyKey: key,
    actor: 'v-0001',
    from: { kind: 'volunteer', ownerId: 'v-0001' },
    to: { kind: 'fund', ownerId: 'jingtian' },
    minutes,
    serviceOrderId: key,
  },
});

describe.each(dialects)('concurrent writers on %s', (dialect) => {
  let t: TestLedger;
  afterEach(async () => {
    await t?.store.close();
  });

  /** v-0001 earns `minutes` through a certified service. */
  async function earn(minutes: number, serviceId = 'earn-1') {
    await t.ledger.depositForService({
      serviceId,
      volunteerId: 'v-0001',
      orgUnitId: 'jingtian',
      claimedMinutes: minutes,
      measuredMinutes: minutes,
      certifiedBy: 'spec-jingtian',
    });
  }

  it('[LEDGER-NO-OVERDRAW] 4 writers × 6 spends of 30 minutes against 100 minutes: exactly 3 paid, never below zero', async () => {
    t = await ledgerWithDistrict(dialect);
    await earn(100);
    const lists = [0, 1, 2, 3].map((w) => [0, 1, 2, 3, 4, 5].map((i) => spend(`spend-${w}-${i}`, 30)));
    const ends = await writers.write(t, lists);
    expect(ends.filter((e) => e.ok)).toHaveLength(3);
    expect(ends.filter((e) => !e.ok).map((e) => !e.ok && e.code)).toEqual(
      Array(21).fill('insufficient_credits'),
    );
    const account = await t.ledger.accounts.find('v-0001', 'volunteer');
    expect(account.balance_minutes).toBe(10);
    const report = await t.ledger.reconciliation.run();
    expect(report.failures).toEqual([]);
  });

  it('[LEDGER-IDEMPOTENT] the same spend sent 12 times at once from 3 writers is paid once; every answer is the same transfer', async () => {
    t = await ledgerWithDistrict(dialect);
    await earn(100);
    const ends = await writers.write(
      t,
      [0, 1, 2].map(() => Array(4).fill(spend('one-meal', 40))),
    );
    expect(ends.every((e) => e.ok)).toBe(true);
    expect(ends.filter((e) => e.ok && !e.replayed)).toHaveLength(1);
    expect(new Set(ends.flatMap((e) => (e.ok ? e.transferIds : []))).size).toBe(1);
    expect((await t.ledger.accounts.find('v-0001', 'volunteer')).balance_minutes).toBe(60);
  });

  it('[CREDIT-DAILY-CAP] four 200-minute services certified at once for one volunteer credit 480 in all; one service twice under two keys is paid once', async () => {
    t = await ledgerWithDistrict(dialect);
    const deposit = (serviceId: string, key: string): Write => ({
      op: 'deposit',
      request: {
        serviceId,
        volunteerId: 'v-0001',
        orgUnitId: 'jingtian',
        claimedMinutes: 200,
        measuredMinutes: 200,
        certifiedBy: 'spec-jingtian',
        servedAt: t.clock.now,
        idempotencyKey: key,
      },
    });
    const ends = await writers.write(t, [
      [deposit('svc-1', 'k-1'), deposit('svc-2', 'k-2')],
      [deposit('svc-3', 'k-3'), deposit('svc-1', 'k-1-again')],
      [deposit('svc-4', 'k-4')],
    ]);
    expect(ends.filter((e) => !e.ok).map((e) => !e.ok && e.code)).toEqual(['already_credited']);
    expect((await t.ledger.accounts.find('v-0001', 'volunteer')).balance_minutes).toBe(480);
    expect((await t.ledger.reconciliation.run()).failures).toEqual([]);
  });
});

describe.runIf(withPostgres)('concurrent spends within one PostgreSQL pool', () => {
  it('[LEDGER-NO-OVERDRAW] 20 spends of 7 minutes at once over 10 pooled connections against 50 minutes: exactly 7 paid', async () => {
    const t = await ledgerWithDistrict('postgres');
    try {
      await t.ledger.depositForService({
        serviceId: 'earn-1',
        volunteerId: 'v-0001',
        orgUnitId: 'jingtian',
        claimedMinutes: 50,
        measuredMinutes: 50,
        certifiedBy: 'spec-jingtian',
      });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => {
          const write = spend(`pool-${i}`, 7);
          return write.op === 'move' ? t.ledger.transfers.move(write.request) : Promise.reject();
        }),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
      expect((await t.ledger.accounts.find('v-0001', 'volunteer')).balance_minutes).toBe(1);
      expect((await t.ledger.reconciliation.run()).failures).toEqual([]);
    } finally {
      await t.store.close();
    }
  });
  it('[LEDGER-OPEN-RACE] eight connections opening the same new accounts at once all succeed, each account opened once', async () => {
    const t = await ledgerWithDistrict('postgres');
    try {
      const refs: AccountRef[] = [
        ...['v-0001', 'v-0002', 'v-0003'].map((ownerId) => ({ kind: 'volunteer' as const, ownerId })),
        ...['e-0001', 'e-0002', 'e-0003'].map((ownerId) => ({ kind: 'elder' as const, ownerId })),
        ...['futian', 'lianhua', 'jingtian', 'meilin'].map((ownerId) => ({ kind: 'fund' as const, ownerId })),
      ];
      const failures: string[] = [];
      // The race is a narrow window inside PostgreSQL: many rounds make a lost one near certain (~2 % of inserts).
      for (let round = 0; round < 30; round++) {
        await t.store.db.deleteFrom('timebank_accounts').execute();
        const opens = refs.flatMap((ref) =>
          Array.from({ length: 8 }, () =>
            writeTransaction(t.store, (trx) => t.ledger.accounts.open(trx, [ref])),
          ),
        );
        for (const end of await Promise.allSettled(opens)) {
          if (end.status === 'rejected') failures.push(String(end.reason));
        }
      }
      expect(failures).toEqual([]);
      const opened = await t.store.db.selectFrom('timebank_accounts').select(['kind']).execute();
      expect(opened).toHaveLength(refs.length);
      expect(opened.every((a) => (accountKinds as readonly string[]).includes(a.kind))).toBe(true);
    } finally {
      await t.store.close();
    }
  });
});
