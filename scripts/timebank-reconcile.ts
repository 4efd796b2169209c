/**
 * `npm run timebank:reconcile`: proves the time bank's ledger from its postings and
 * prints the totals per org unit. Reads the hub's store (DATA_DIR or DATABASE_URL,
 * as the hub does). Exits 1 naming every broken rule; 2 if it cannot run.
 */
import { loadConfigOrExit } from '../hub/config.js';
import { openStore } from '../store/database.js';
import { Reconciliation, type ReconciliationReport } from '../timebank/reconciliation.js';

function table(report: ReconciliationReport): string {
  const header = ['org unit', 'name', 'fund', 'volunteers', 'elders', 'families', 'accounts'];
  const rows = report.units.map((u) => [
    u.org_unit_id,
    u.name,
    String(u.fund_minutes),
    String(u.volunteer_minutes),
    String(u.elder_minutes),
    String(u.family_minutes),
    String(u.accounts),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const report = await new Reconciliation({ store }).run();
    const where = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
    console.log(
      `time bank ledger (${where}): ${report.accounts} accounts, ${report.transfers} transfers, ${report.postings} postings`,
    );
    console.log(`minutes per org unit (balances by account kind):\n${table(report)}`);
    console.log(`ledger sum: ${report.ledger_sum_minutes} minutes`);
    if (!report.ok) {
      console.error(`RECONCILIATION FAILED (${report.failures.length}):`);
      for (const failure of report.failures) console.error(`  - ${failure}`);
      return 1;
    }
    console.log(
      'reconciled: the ledger sums to zero, every transfer balances, every cached balance equals its postings, no balance is beyond its limit',
    );
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`timebank-reconcile could not run: ${(error as Error).message}`);
    process.exitCode = 2;
  },
);
