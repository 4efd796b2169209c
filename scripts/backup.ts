/**
 * `npm run backup -- [file or folder]`: a consistent copy of the hub's store taken while the hub
 * runs (SQLite: online backup API; PostgreSQL: pg_dump -Fc), checked before it gets its name.
 * Default: `backups/yiyang-<time>.sqlite` beside DATA_DIR, or `backups/yiyang-<db>-<time>.pgdump`
 * in the working folder. Exits 0 done, 1 failed (no file under the name), 2 bad usage.
 */
import { loadConfigOrExit } from '../hub/config.js';
import { commandLine, printReport, runCommand } from '../store/backup-command.js';
import { backupDestination } from '../store/backup-files.js';
import { StoreBackups } from '../store/store-backups.js';

const usage = 'usage: npm run backup -- [file or folder]';

runCommand('backup', usage, async () => {
  const { file, flags } = commandLine(process.argv.slice(2), ['help']);
  if (flags.help) return console.log(usage);
  const config = loadConfigOrExit();
  const now = Date.now();
  const backups = new StoreBackups({ location: config, env: process.env, now: () => now });
  const destination = backupDestination(file, {
    kind: backups.kind,
    dataDir: config.dataDir,
    cwd: process.cwd(),
    now,
    database: config.databaseUrl && new URL(config.databaseUrl).pathname.slice(1),
  });
  const report = await backups.backup().run(destination);
  printReport(`backed up ${report.store} to ${report.file}`, report);
});
