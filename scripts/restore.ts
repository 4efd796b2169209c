/**
 * `npm run restore -- [--force] <file>`: puts a backup in place as the hub's store (DATA_DIR or
 * DATABASE_URL). The backup is checked whole first; an existing store is refused (with --force:
 * moved aside and kept), and so is a store a running hub holds. Exits 0 done, 1 failed (the
 * existing store unchanged), 2 bad usage.
 */
import { loadConfigOrExit } from '../hub/config.js';
import { commandLine, printReport, runCommand, UsageError } from '../store/backup-command.js';
import { StoreBackups } from '../store/store-backups.js';

const usage = 'usage: npm run restore -- [--force] <backup file>';

runCommand('restore', usage, async () => {
  const { file, flags } = commandLine(process.argv.slice(2), ['force', 'help']);
  if (flags.help) return console.log(usage);
  if (!file) throw new UsageError('which backup file?');
  const config = loadConfigOrExit();
  const backups = new StoreBackups({ location: config, env: process.env, now: Date.now });
  const report = await backups.restore().run(file, { force: Boolean(flags.force) });
  printReport(`restored ${report.file} into ${report.store}`, report);
  console.log('start the hub on it (npm start): it brings the schema up to date if the backup is older');
});
