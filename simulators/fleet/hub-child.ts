import { pino } from 'pino';
import { loadConfig } from '../../hub/config.js';
import { startHub } from '../../hub/hub.js';
import { type ClockState, SimClock } from './sim-clock.js';

/** The simulator's own hub in a process of its own: settings and clock from argv, clock changes over IPC. */
const { settings, clock: state } = JSON.parse(process.argv[2]!) as {
  settings: Parameters<typeof loadConfig>[1];
  clock: ClockState;
};
const clock = SimClock.fromState(state);
const hub = await startHub(loadConfig({}, settings), {
  logger: pino({ level: settings?.logLevel ?? 'error' }),
  now: clock.now,
  clockSpeed: clock.speed,
});
process.on('message', async (m: { clock?: ClockState; stop?: boolean }) => {
  if (m.clock) clock.apply(m.clock);
  if (m.stop) {
    await hub.stop();
    process.exit(0);
  }
});
// the parent went away without stopping us: do not linger
process.on('disconnect', () => void hub.stop().finally(() => process.exit(0)));
process.send!({ http: hub.addresses.http, mqtt: hub.addresses.mqtt });
