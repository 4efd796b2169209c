/**
 * What some tests need besides Node: a program found through its environment variable or where
 * Debian puts it. `npm test` checks them all first (test/support/preflight.ts); `npm run test:unit`
 * (TEST_NO_SERVICES=1, see vitest.config.ts) has none, so asking for one there fails loudly.
 */
import { isProgram, programFromVariable } from '../../bench/lib/programs.js';

export interface Need {
  /** Its name, also the key of its Debian packages in scripts/test-services.sh. */
  name: string;
  /** The environment variable that provides it, and what that holds. */
  variable: string;
  holds: string;
  /** Where it is (its path, or paths), or undefined. */
  find(): string | undefined;
}

/** A need met by one program: the path `variable` holds when set, else what `otherwise` finds. */
export function programNeed(
  name: string,
  variable: string,
  holds: string,
  otherwise: () => string | undefined,
): Need {
  return { name, variable, holds, find: () => programFromVariable(variable, otherwise) };
}

/** `path` if it is a program there. */
export const programAt = (path: string): string | undefined => (isProgram(path) ? path : undefined);

/** Whether this is the run without services (`npm run test:unit`). */
export const unitRun = process.env.TEST_NO_SERVICES === '1';

/** Fails a test that reaches for a service in the unit run: its file belongs in the full suite only. */
export function needsServices(what: string): void {
  if (unitRun)
    throw new Error(
      `this test needs ${what}, and npm run test:unit starts no services: ` +
        'list its file in needServices (vitest.config.ts), or, for tests of PostgreSQL alone, `describe.runIf(withPostgres)`',
    );
}

/** How to provide a need that is missing. */
export function howToProvide(need: Need): string {
  const value = process.env[need.variable];
  const given = value ? `${need.variable}=${value} is not usable; ` : '';
  return `${given}set ${need.variable} to ${need.holds} (npm test as root installs it)`;
}

/** The path of what the test needs; a clear error naming the variable when it is missing. */
export function need(need: Need): string {
  needsServices(need.name);
  const found = need.find();
  if (!found) throw new Error(`${need.name} not found: ${howToProvide(need)}`);
  return found;
}
