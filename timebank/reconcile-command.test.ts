import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../test/support/databases.js';
import { ledgerWithDistrict, type TestLedger } from '../test/support/timebank-district.js';

const script = fileURLToPath(new URL('../scripts/timebank-reconcile.ts', import.meta.url));

/** Runs `npm run timebank:reconcile`'s script as the operator would, configured like the hub. */
function reconcile(t: TestLedger): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH,
    DATA_DIR: t.dataDir,
    ...(t.databaseUrl ? { DATABASE_URL: t.databaseUrl } : {}),
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script],
      { env, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.each(dialects)('the reconciliation command on %s', (dialect) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await ledgerWithDistrict(dialect);
    await t.ledger.depositForService({
      serviceId: 'svc-1',
      volunteerId: 'v-0001',
      orgUnitId: 'jingtian',
      claimedMinutes: 45,
      measuredMinutes: 45,
      certifiedBy: 'spec-jingtian',
    });
    await t.ledger.transfers.move({
      idempotencyKey: 'gift-1',
      actor: 'v-0001',
      from: { kind: 'volunteer', ownerId: 'v-0001' },
      to: { kind: 'elder', ownerId: 'e-0003' },
      minutes: 15,
    });
  });
  afterAll(async () => {
    await t?.store.close();
  });

  it('[RECONCILE-COMMAND] proves a sound ledger, prints the totals per org unit, exits 0; names a tampered balance and exits 1', async () => {
    const sound = await reconcile(t);
    expect(sound.stderr).toBe('');
    expect(sound.code).toBe(0);
    expect(sound.stdout).toMatch(/2 transfers, 4 postings/);
    expect(sound.stdout).toMatch(/jingtian\s+景田社区\s+-45\s+30\s+15\s+0\s+3/);
    expect(sound.stdout).toMatch(/^reconciled:/m);

    await t.store.db
      .updateTable('timebank_accounts')
      .set({ balance_minutes: 31 })
      .where('id', '=', 'volunteer:v-0001')
      .execute();
    const tampered = await reconcile(t);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/RECONCILIATION FAILED/);
    expect(tampered.stderr).toMatch(/volunteer:v-0001 \(cached 31, postings 30\)/);
  });
});
