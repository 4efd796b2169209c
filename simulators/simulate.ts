import { pino } from 'pino';
import { commandOptions } from '../kernel/command-options.js';
import { ProgressBar } from './fleet/progress.js';
import { Replay } from './fleet/replay.js';
import { parseInjectSpec } from './fleet/scenarios.js';
import { Simulation } from './fleet/simulation.js';

/**
 * `npm run simulate -- …`: a simulated district day over real MQTT, or `--replay DIR` of
 * recorded falls trials. Without `--hub` a hub is started for the run on free 127.0.0.1 ports.
 */
const usage = `usage: simulate [--homes 1000] [--hours 24] [--speed 288] [--start 06:00] [--seed 1]
                [--fusion on|off] [--radar-share 1]
                [--inject fall:5,fall_recovered:3,fall_got_up:3,daily_motion:10,sos:10,wandering:2,vitals:3,inactivity:2,battery:3,offline:3,flapping:2]
                [--district FILE.json] [--hub http://127.0.0.1:8080 --mqtt mqtt://127.0.0.1:1883 --admin-password PW]
       simulate --replay DIR [--hub … --mqtt … --admin-password …]`;

async function main(): Promise<void> {
  const a = commandOptions(
    {
      options: {
        homes: { type: 'string', default: '1000' },
        hours: { type: 'string', default: '24' },
        speed: { type: 'string', default: '288' },
        start: { type: 'string', default: '06:00' },
        seed: { type: 'string', default: '1' },
        fusion: { type: 'string', default: 'on' },
        'radar-share': { type: 'string', default: '1' },
        inject: { type: 'string' },
        district: { type: 'string' },
        hub: { type: 'string' },
        mqtt: { type: 'string' },
        'admin-password': { type: 'string' },
        replay: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    },
    usage,
  );
  if (a.help) {
    console.log(usage);
    return;
  }
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn', base: null }, pino.destination(2)).child({
    component: 'simulate',
  });
  const hub = a.hub
    ? {
        http: a.hub.replace(/\/$/, ''),
        mqtt: a.mqtt ?? 'mqtt://127.0.0.1:1883',
        adminPassword: a['admin-password'] ?? process.env.ADMIN_PASSWORD ?? '',
      }
    : undefined;
  if (hub && !hub.adminPassword) throw new Error('--hub needs --admin-password (or ADMIN_PASSWORD)');
  if (a.replay) {
    const result = await new Replay({ dir: a.replay, hub, logger }).run();
    for (const line of result.lines) console.log(line);
    console.log(JSON.stringify(result.score));
    return;
  }
  const [hh, mm] = a.start!.split(':').map(Number);
  const numbers = {
    homes: Number(a.homes),
    hours: Number(a.hours),
    speed: Number(a.speed),
    seed: Number(a.seed),
  };
  for (const [k, v] of Object.entries(numbers))
    if (!(v > 0)) throw new Error(`--${k} must be a positive number\n${usage}`);
  if (a.fusion !== 'on' && a.fusion !== 'off') throw new Error(`--fusion must be on or off\n${usage}`);
  const radarShare = Number(a['radar-share']);
  if (!(radarShare >= 0 && radarShare <= 1))
    throw new Error(`--radar-share must be between 0 and 1\n${usage}`);
  const result = await new Simulation({
    ...numbers,
    startMinute: (hh ?? 6) * 60 + (mm ?? 0),
    inject: parseInjectSpec(a.inject ?? defaultInjection(numbers.homes, numbers.hours)),
    district: a.district,
    fusion: a.fusion === 'on',
    radarShare,
    hub,
    logger,
    progress: new ProgressBar(),
  }).run();
  console.log(result.text);
}

/** Without `--inject`: a few of every kind, scaled to the district (about 1 % of homes a day). */
function defaultInjection(homes: number, hours: number): string {
  const n = Math.max(1, Math.round((homes / 1000) * 3 * Math.min(1, hours / 24)));
  return `fall:${n},fall_recovered:${n},sos:${n},wandering:${n},vitals:${n},inactivity:${n},battery:${n},offline:${n},flapping:${n}`;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
