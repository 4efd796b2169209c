import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../hub/config.js';
import { startHub } from '../hub/hub.js';
import { Ledger } from '../timebank/ledger.js';
import { timebankRulesSchema } from '../timebank/rules.js';
import { type Dialect, dialects } from './support/databases.js';
import { adminPassword, smallDistrict, startTestHub } from './support/hub.js';
import { runOperatorTask, storeEnv, type TaskEnd } from './support/operator-task.js';
import { CreditLoad, EventLoad, type LoadDevice } from './support/store-load.js';
import {
  emptyPlace,
  eventsAside,
  fingerprint,
  holdWalReader,
  seedEvents,
  storedEvents,
  transferCount,
} from './support/store-places.js';
import { until } from './support/wait.js';

const devices: LoadDevice[] = [
  { id: 'w-0001', secret: 'watch-secret-0001', types: ['worn', 'removed'] },
  { id: 'w-0002', secret: 'watch-secret-0002', types: ['removed', 'worn'] },
  { id: 'r-0001', secret: 'radar-secret-0001', types: ['fall_cleared'] },
];

const backupFolder = () => mkdtempSync(join(tmpdir(), 'yiyang-backups-'));
const extension = (dialect: Dialect) => (dialect === 'sqlite' ? 'sqlite' : 'pgdump');
/** The row count of a table as a backup or restore printed it. */
const printedRows = (end: TaskEnd, table: string) =>
  Number(end.stdout.match(new RegExp(`${table} (\\d+)`))?.[1]);

describe.each(dialects)('backup and restore on %s', (dialect) => {
  it('[BACKUP-UNDER-LOAD] a backup taken while devices send events and credits move restores to a store that reconciles, holds every event acknowledged before it began once, and runs a hub', async () => {
    const hub = await startTestHub({ dialect, config: { deviceEventsPerS: 1_000_000 } });
    const file = join(backupFolder(), `under-load.${extension(dialect)}`);
    let backup: TaskEnd;
    let ackedBefore: Set<string>;
    let creditsBefore: number;
    let ackedDuring: number;
    let creditsDuring: number;
    let events: EventLoad;
    try {
      expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
      // A second handle on the hub's own store (the time bank is stateless beyond it); no daily cap.
      const rules = timebankRulesSchema.parse({ dailyCapMinutes: 100_000_000 });
      const ledger = new Ledger({ store: hub.store, now: Date.now, rules });
      // A long reader holds checkpoints back: acknowledged events then live only in the WAL, which
      // the backup must include (a copy of the database file alone would lose them).
      const releaseReader = dialect === 'sqlite' ? holdWalReader(hub.config) : () => {};
      events = new EventLoad(hub, devices, { device: 'w-0002', type: 'sos' });
      const credits = new CreditLoad(ledger);
      try {
        const warm = await until(
          async () => ({ events: events.acked.size, credits: credits.cycles }),
          (load) => load.events >= 100 && load.credits >= 5,
          15_000,
        );
        expect(warm.events, 'events acknowledged before the backup').toBeGreaterThanOrEqual(100);
        expect(warm.credits, 'credit cycles before the backup').toBeGreaterThanOrEqual(5);
        ackedBefore = new Set(events.acked);
        creditsBefore = credits.cycles;
        backup = await runOperatorTask('backup', [file], storeEnv(hub.config));
        ackedDuring = events.acked.size - ackedBefore.size;
        creditsDuring = credits.cycles - creditsBefore;
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        releaseReader();
        await Promise.all([events.stop(), credits.stop()]);
      }
    } finally {
      await hub.stop();
    }
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(
      dialect === 'sqlite' ? /integrity_check ok/ : /read the whole archive back/,
    );
    expect(ackedDuring, 'events acknowledged while the backup ran').toBeGreaterThan(0);
    expect(creditsDuring, 'credit cycles while the backup ran').toBeGreaterThan(0);

    const target = await emptyPlace(dialect);
    const restore = await runOperatorTask('restore', [file], storeEnv(target));
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    // The ledger proven and a hub started on the restored store, side by side (both only read it).
    const [reconcile, restoredHub] = await Promise.all([
      runOperatorTask('timebank-reconcile', [], storeEnv(target)),
      startHub(loadConfig({}, { host: '127.0.0.1', port: 0, mqttPort: 0, ...target, logLevel: 'silent' }), {
        logger: pino({ level: 'silent' }),
      }),
    ]);
    let restored: string[];
    try {
      expect(reconcile.stderr).toBe('');
      expect(reconcile.code).toBe(0);
      expect(reconcile.stdout).toMatch(/^reconciled:/m);
      const base = `http://127.0.0.1:${restoredHub.addresses.http}`;
      const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
      expect(health.status).toBe(200);
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: adminPassword }),
        // The password hash is CPU work: on a loaded 2-core machine it has taken more than 5 s.
        signal: AbortSignal.timeout(20_000),
      });
      expect(login.status, 'the restored users sign in').toBe(200);
      const underHub = runOperatorTask('restore', ['--force', file], storeEnv(target));

      restored = await storedEvents(target);
      const restoredSet = new Set(restored);
      expect(restoredSet.size, 'no event twice').toBe(restored.length);
      expect(
        [...ackedBefore].filter((key) => !restoredSet.has(key)),
        'acknowledged before, missing',
      ).toEqual([]);
      expect(
        restored.filter((key) => !events.acked.has(key)),
        'restored but never sent',
      ).toEqual([]);
      expect(printedRows(backup, 'device_events'), 'the backup printed what it holds').toBe(restored.length);
      expect(printedRows(restore, 'device_events'), 'the restore printed what it put').toBe(restored.length);
      expect(printedRows(restore, 'alerts'), 'the SOS alert').toBeGreaterThanOrEqual(1);
      expect(await transferCount(target)).toBeGreaterThanOrEqual(2 * creditsBefore);

      const refused = await underHub;
      expect(refused.code, 'a restore under a running hub').toBe(1);
      expect(refused.stderr).toMatch(dialect === 'sqlite' ? /open in another process/ : /other session/);
    } finally {
      await restoredHub.stop();
    }
    expect((await storedEvents(target)).length, 'the refused restore changed nothing').toBe(restored.length);
    console.log(
      `[BACKUP-UNDER-LOAD] ${dialect}: backup ${backup.stdout.match(/\d[\d.]* [KMG]?i?B in [\d.]+ s/)?.[0]} ` +
        `(command ${Math.round(backup.ms)} ms) while ${ackedDuring} events were acknowledged and ` +
        `${creditsDuring * 2} transfers made; ${ackedBefore.size} acknowledged before it, ${restored.length} restored; ` +
        `restore ${Math.round(restore.ms)} ms`,
    );
  }, 80_000);

  it('[RESTORE-REFUSES] onto an existing store without --force nothing changes; a damaged, foreign or missing backup fails naming the problem; --force keeps the old store aside', async () => {
    const folder = backupFolder();
    const source = await emptyPlace(dialect);
    await seedEvents(source, ['kept-1', 'kept-2']);
    const file = join(folder, `seed.${extension(dialect)}`);
    const backup = await runOperatorTask('backup', [file], storeEnv(source));
    expect(backup.code, backup.stderr).toBe(0);
    await seedEvents(source, ['after-backup']);
    const before = await fingerprint(source);

    const damaged = join(folder, `damaged.${extension(dialect)}`);
    const whole = readFileSync(file);
    writeFileSync(damaged, whole.subarray(0, Math.floor(whole.length / 2)));
    const junk = join(folder, 'junk.bin');
    writeFileSync(junk, randomBytes(4096));
    const fresh = await emptyPlace(dialect);
    const [existing, broken, foreign, missing, usage] = await Promise.all([
      runOperatorTask('restore', [file], storeEnv(source)),
      runOperatorTask('restore', [damaged], storeEnv(fresh)),
      runOperatorTask('restore', [junk], storeEnv(fresh)),
      runOperatorTask('restore', [join(folder, 'nothing-here')], storeEnv(fresh)),
      runOperatorTask('restore', [], storeEnv(fresh)),
    ]);
    expect(existing.code).toBe(1);
    expect(existing.stderr).toMatch(dialect === 'sqlite' ? /a store already exists/ : /is not empty/);
    expect(existing.stderr).toMatch(/nothing was changed.*--force/s);
    expect(await fingerprint(source), 'the existing store untouched').toBe(before);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/damaged\.(sqlite|pgdump) is damaged/);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/junk\.bin is not a Yiyang backup/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no backup file at .*nothing-here/);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: npm run restore/);
    expect(await fingerprint(fresh), 'no store left behind by bad backups').toBe(
      dialect === 'sqlite' ? 'no store' : JSON.stringify({ names: [], events: [] }),
    );

    const forced = await runOperatorTask('restore', ['--force', file], storeEnv(source));
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    const aside = forced.stdout.match(/kept (?:as|in schema) (\S+):/)?.[1];
    expect(aside, forced.stdout).toBeDefined();
    expect((await storedEvents(source)).sort()).toEqual(['w-0001/kept-1', 'w-0001/kept-2']);
    expect((await eventsAside(source, aside!)).sort()).toEqual(['after-backup', 'kept-1', 'kept-2']);
  }, 60_000);
});
