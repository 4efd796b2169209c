import { readFileSync } from 'node:fs';

/**
 * Node's flags in `npm start` (package.json): the one place the deployed hub's flags are written. The
 * systemd unit is checked against them (release.test.ts) and the benchmarks start the hub with them, so
 * a flag added for production is measured and shipped alike.
 */
export function startNodeFlags(): string[] {
  const start: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    .scripts?.start;
  const command = /^node((?: --[\w-]+(?:=\S+)?)*) scripts\/start\.mjs$/.exec(String(start));
  if (!command) throw new Error(`package.json's start is not "node [--flag…] scripts/start.mjs": ${start}`);
  return command[1]!.split(' ').filter(Boolean);
}
