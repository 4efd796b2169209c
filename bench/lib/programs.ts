import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Finding the outside programs the bench and the tests run (mosquitto, VictoriaMetrics, Chromium…).
 * No side effects: the tests import it too.
 */

/** Whether `path` is a file this process may execute. */
export function isProgram(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The directories of a PATH-like value (`a:b:c`); none when unset. */
export function directoriesOf(value: string | undefined): string[] {
  return (value ?? '').split(delimiter).filter(Boolean);
}

/** `name` in the `first` directories, then on PATH, then in the `last` ones. */
export function findProgram(
  name: string,
  dirs: { first?: string[]; last?: string[] } = {},
): string | undefined {
  const path = directoriesOf(process.env.PATH);
  for (const dir of [...(dirs.first ?? []), ...path, ...(dirs.last ?? [])]) {
    const candidate = join(dir, name);
    if (isProgram(candidate)) return candidate;
  }
  return undefined;
}

/** A program named by an environment variable (a path) when it is set, else what `otherwise` finds. */
export function programFromVariable(
  variable: string,
  otherwise: () => string | undefined,
): string | undefined {
  const value = process.env[variable];
  if (value) return isProgram(value) ? value : undefined;
  return otherwise();
}

export type MosquittoProgram = 'mosquitto' | 'mosquitto_pub' | 'mosquitto_sub' | 'mosquitto_rr';

/**
 * One of mosquitto's programs: in the directories `variable` lists (PATH-like; `TEST_MOSQUITTO_BIN`,
 * `BENCH_MOSQUITTO_BIN`), then on PATH, then where Debian puts them (the broker is in /usr/sbin,
 * which a non-root PATH often lacks).
 */
export function mosquittoProgram(name: MosquittoProgram, variable: string): string | undefined {
  return findProgram(name, {
    first: directoriesOf(process.env[variable]),
    last: ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'],
  });
}

/**
 * Installs Debian packages with apt-get (root only; see `canAptInstall`), saying so; a failure is logged,
 * and the caller looks again for what it needs.
 */
export function aptInstall(packages: string[], log: (message: string) => void): void {
  log(`installing ${packages.join(' ')} (apt-get)`);
  const options = {
    stdio: ['ignore', 2, 2] as ['ignore', number, number],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  };
  try {
    execFileSync('apt-get', ['update', '-qq'], options);
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], options);
  } catch (error) {
    log(`apt-get failed: ${(error as Error).message}`);
  }
}

/** Whether this process may install Debian packages itself: root, with apt-get. */
export function canAptInstall(): boolean {
  return process.getuid?.() === 0 && findProgram('apt-get', { last: ['/usr/bin'] }) !== undefined;
}
