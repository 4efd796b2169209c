import { join } from 'node:path';
import type { BackupKind } from './backup-files.js';
import type { StoreCopyReport } from './backup-report.js';
import { PostgresBackup } from './postgres-backup.js';
import { PostgresRestore } from './postgres-restore.js';
import { PostgresTools } from './postgres-tools.js';
import { SqliteBackup } from './sqlite-backup.js';
import { SqliteRestore } from './sqlite-restore.js';
import { sqliteFileName } from './sqlite-store-file.js';

export interface StoreBackup {
  run(destination: string): Promise<StoreCopyReport>;
}

export interface StoreRestore {
  run(backupFile: string, options: { force: boolean }): Promise<StoreCopyReport>;
}

/** Where the hub keeps its store, as its configuration says (DATABASE_URL, else DATA_DIR). */
export interface StoreLocation {
  databaseUrl?: string | undefined;
  dataDir: string;
}

/** Backup and restore for the store the hub is configured with. */
export class StoreBackups {
  readonly kind: BackupKind;

  constructor(private readonly deps: { location: StoreLocation; env: NodeJS.ProcessEnv; now: () => number }) {
    this.kind = deps.location.databaseUrl ? 'postgres' : 'sqlite';
  }

  backup(): StoreBackup {
    const { databaseUrl } = this.deps.location;
    if (databaseUrl) return new PostgresBackup({ databaseUrl, tools: this.tools() });
    return new SqliteBackup({ storeFile: this.sqliteFile() });
  }

  restore(): StoreRestore {
    const { databaseUrl } = this.deps.location;
    const { now } = this.deps;
    if (databaseUrl) return new PostgresRestore({ databaseUrl, tools: this.tools(), now });
    return new SqliteRestore({ storeFile: this.sqliteFile(), now });
  }

  private tools(): PostgresTools {
    return new PostgresTools({ env: this.deps.env });
  }

  private sqliteFile(): string {
    return join(this.deps.location.dataDir, sqliteFileName);
  }
}
