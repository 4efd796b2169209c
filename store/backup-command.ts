import { parseArgs } from 'node:util';
import { BackupFailure, reportDetails, type StoreCopyReport } from './backup-report.js';

/** How `npm run backup` and `npm run restore` end: 0 done, 1 failed, 2 bad usage. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {}

/** The command line of a backup or restore: at most one file, and the flags named. */
export function commandLine(
  args: string[],
  flags: string[],
): { file: string | undefined; flags: Record<string, boolean> } {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(flags.map((flag) => [flag, { type: 'boolean' as const }])),
    });
    if (positionals.length > 1) throw new UsageError(`one file at most, got ${positionals.length}`);
    return { file: positionals[0], flags: values as Record<string, boolean> };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Prints a report: a headline, then sizes, verification and row counts. */
export function printReport(headline: string, report: StoreCopyReport): void {
  console.log([headline, ...reportDetails(report)].join('\n'));
}

/** Runs a command's main and sets the exit code; a known failure is told in words, anything else with its stack (a bug). */
export function runCommand(name: string, usage: string, main: () => Promise<void>): void {
  main().then(
    () => {
      process.exitCode = exitCodes.ok;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`${name}: ${error.message}\n${usage}`);
        process.exitCode = exitCodes.usage;
        return;
      }
      const known = error instanceof BackupFailure;
      console.error(`${name} FAILED: ${known ? error.message : (error as Error).stack}`);
      process.exitCode = exitCodes.failed;
    },
  );
}
