import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { type Logger, pino } from 'pino';
import { personalDataRedaction } from '../kernel/log-redaction.js';
import { loadConfigOrExit } from './config.js';
import { demoAdminPassword } from './demo-credentials.js';
import { startHub } from './hub.js';
import { HubProcesses, hubProcessCount, reportHubStarted, workerEnvironment } from './hub-processes.js';
import { answerMetricsAsks, machineWideMetrics } from './machine-metrics.js';

/** A stop that takes longer than this is cut short: a supervisor is waiting to restart us. */
const stopTimeoutMs = 20_000;

/**
 * `npm start`: one hub node configured from the environment (see the README's table); with
 * `HUB_PROCESSES` > 1, a primary keeping that many of them (its workers, which run this file too).
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const processes = hubProcessCount(config);
  // Many processes write one log: each line says which process (pid) it came from.
  const base = processes > 1 ? { pid: process.pid } : null;
  const root = pino({ level: config.logLevel, base, redact: personalDataRedaction });
  if (processes > 1 && cluster.isPrimary)
    return runPrimary(
      processes,
      workerEnvironment(config, processes),
      root.child({ component: 'hub-processes' }),
    );
  const logger = root.child({ component: 'hub' });
  // A fault nothing caught is logged, never a silent death; the stages each log their own.
  process.on('unhandledRejection', (error) => logger.error({ err: error }, 'unhandled rejection'));
  const hub = await startHub(config, { logger: root });
  // One of several on the port: a scrape of it sees the whole machine.
  if (cluster.isWorker) hub.metrics.machineWide = machineWideMetrics(hub.metrics.registry);
  if (await hub.accounts.passwordIs('admin', demoAdminPassword)) {
    logger.error(
      'THIS STORE HOLDS THE DEMO LOGIN (admin / yiyang-demo, printed by `npm run demo`): not for real people. ' +
        'Use a fresh DATA_DIR, or change the admin password before going live.',
    );
  }
  logger.info(
    { http: hub.addresses.http, mqtt: hub.addresses.mqtt, mqtts: hub.addresses.mqtts },
    'hub started',
  );
  reportHubStarted();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const timeout = setTimeout(() => {
      logger.error(
        { timeoutMs: stopTimeoutMs, stage: hub.stopping() },
        'stop took too long; exiting (stored events replay at the next start)',
      );
      process.exit(1);
    }, stopTimeoutMs);
    timeout.unref();
    try {
      await hub.stop();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'stop failed; exiting (stored events replay at the next start)');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** The primary of many hub processes: it forks them, and stops them all on SIGTERM or SIGINT. */
function runPrimary(count: number, env: Record<string, string>, logger: Logger): void {
  const processes = new HubProcesses({ count, entry: fileURLToPath(import.meta.url), env, logger });
  answerMetricsAsks();
  logger.info({ processes: count }, 'starting hub processes');
  processes.start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void processes.stop(signal, stopTimeoutMs).then((code) => process.exit(code));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
