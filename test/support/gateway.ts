import { pino } from 'pino';
import { DeviceAuthenticator } from '../../gateway/device-authenticator.js';
import { MqttGateway } from '../../gateway/mqtt-gateway.js';
import type { DeviceIntake, IntakeResult } from '../../ingest/device-intake.js';
import { DeviceRates } from '../../ingest/device-rates.js';
import { LastHeard } from '../../ingest/last-heard.js';
import { TelemetryAdmission } from '../../ingest/telemetry-admission.js';
import { HubMetrics } from '../../kernel/metrics.js';
import type { Store } from '../../store/database.js';

/** The least an intake must do for the gateway: telemetry and availability taken, events as the test says. */
export interface GatewayIntake {
  telemetry(): IntakeResult;
  availability(): IntakeResult;
  event(): Promise<IntakeResult>;
}

/** A gateway alone (no hub) on an ephemeral port, over `store`'s devices; through Redis when given. */
export function testGateway(options: {
  store: Store;
  intake: GatewayIntake;
  authenticator?: DeviceAuthenticator;
  redisUrl?: string;
}): MqttGateway {
  const { intake } = options;
  return new MqttGateway({
    authenticator:
      options.authenticator ?? new DeviceAuthenticator({ db: options.store.db, maxSlowChecks: 4 }),
    intake: intake as unknown as DeviceIntake,
    admission: new TelemetryAdmission({
      heard: new LastHeard(),
      rates: new DeviceRates({ perSecond: 1000, burst: 1000 }),
      handle: () => intake.telemetry(),
      rules: { floor: 0.05, shedAboveMs: 500, roomBelowMs: 50, maxPerSecond: 0 },
      budgetMs: 5,
      intervalMs: 100,
      maxQueued: { messages: 1000, bytes: 1 << 20 },
      staleAfterMs: 1000,
      now: Date.now,
      clock: () => performance.now(),
    }),
    metrics: new HubMetrics(),
    logger: pino({ level: 'silent' }),
    maxPayloadBytes: 64 * 1024,
    listen: { host: '127.0.0.1', mqttPort: 0 },
    redisUrl: options.redisUrl,
  });
}
