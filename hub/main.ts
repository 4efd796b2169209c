import { pino } from 'pino';
import { loadConfigOrExit } from './config.js';
import { startHub } from './hub.js';

/** `npm start`: one hub node configured from the environment (see the README's table). */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const root = pino({ level: config.logLevel, base: null });
  const logger = root.child({ component: 'hub' });
  const hub = await startHub(config, { logger: root });
  logger.info(
    { http: hub.addresses.http, mqtt: hub.addresses.mqtt, mqtts: hub.addresses.mqtts },
    'hub started',
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await hub.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
