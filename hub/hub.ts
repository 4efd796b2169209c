import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { AlertBook, type AlertUpdate } from '../alerts/alert-book.js';
import { EventAlerts } from '../alerts/event-alerts.js';
import { HealthAlerts } from '../alerts/health-alerts.js';
import { ConsoleFeed } from '../console/live-feed.js';
import { ResponderFeed } from '../console/responder-feed.js';
import { loadDeviceCatalog } from '../devices/catalog.js';
import { Dispatcher, type DispatchNotice } from '../dispatch/dispatcher.js';
import { ResponderRoster } from '../dispatch/responder-roster.js';
import { DeviceAuthenticator } from '../gateway/device-authenticator.js';
import { MqttGateway } from '../gateway/mqtt-gateway.js';
import { Detectors, defaultDetectorRules } from '../inference/detectors/index.js';
import { FallAlerts } from '../inference/fall-alerts.js';
import { type FallModelAlarm, InferencePool } from '../inference/pool/index.js';
import { type IngestSettings, IngestStage } from '../ingest/ingest-stage.js';
import { Channel } from '../kernel/channel.js';
import { HubMetrics } from '../kernel/metrics.js';
import type { SecretStored } from '../kernel/secret-hash.js';
import { Accounts } from '../registry/accounts.js';
import { DeviceRegistry } from '../registry/device-registry.js';
import { DistrictRegistry } from '../registry/district.js';
import { DistrictReports } from '../reports/report-queries.js';
import { ServiceLevels } from '../reports/service-levels.js';
import { ServiceOrders } from '../services/service-orders.js';
import { openStore, type Store } from '../store/database.js';
import { Ledger } from '../timebank/ledger.js';
import { buildApp } from './app.js';
import type { HubConfig } from './config.js';

export interface HubOptions {
  logger?: Logger;
  now?: () => number;
  /** SQLite file name inside dataDir (`:memory:` in tests). */
  sqliteFile?: string;
}

export interface Hub {
  config: HubConfig;
  store: Store;
  app: FastifyInstance;
  gateway: MqttGateway;
  authenticator: DeviceAuthenticator;
  metrics: HubMetrics;
  accounts: Accounts;
  ingest: IngestStage;
  inference: InferencePool;
  dispatcher: Dispatcher;
  /** Where it listens (ports resolved when 0 was asked for). */
  addresses: { http: number; mqtt: number; mqtts?: number | undefined };
  stop(): Promise<void>;
}

const consoleDist = fileURLToPath(new URL('../console/dist/', import.meta.url));

function ingestSettings(config: HubConfig): IngestSettings {
  return {
    maxPayloadBytes: config.maxPayloadBytes,
    shedBusyThreshold: config.shedBusyThreshold,
    rollupRetentionDays: config.rollupRetentionDays,
    timeSeries: config.influxUrl
      ? {
          url: config.influxUrl,
          token: config.influxToken ?? '',
          org: config.influxOrg,
          bucket: config.influxBucket,
          writeAccel: config.influxWriteAccel,
          maxBufferLines: config.influxMaxBufferLines,
        }
      : undefined,
  };
}

/** Assembles the stages of one hub node and starts it; `stop()` takes it down in reverse. */
export async function startHub(config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: null });
  const now = options.now ?? Date.now;
  const log = (component: string) => logger.child({ component });
  const channelError = (name: string) => (error: unknown) =>
    log('hub').error({ err: error, channel: name }, 'stage failed');

  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteFile: options.sqliteFile,
  });
  const { db } = store;
  const catalog = await loadDeviceCatalog();
  const metrics = new HubMetrics();
  const accounts = new Accounts({ db, now, tokenTtlMs: config.tokenTtlHours * 3_600_000 });
  if (config.adminPassword && (await accounts.ensureFirstAdmin(config.adminPassword))) {
    log('accounts').info('created user admin (ADMIN_PASSWORD)');
  }

  const alertUpdates = new Channel<AlertUpdate>(channelError('alerts'));
  const alerts = new AlertBook({ db, updates: alertUpdates, now });
  alertUpdates.subscribe((u) => {
    if (u.change === 'opened') metrics.alertsOpened.inc({ kind: u.alert.kind });
  });
  const ledger = new Ledger({ store, now, rules: config.timebank });
  const fundsKept = await ledger.start();
  if (fundsKept.length)
    log('timebank').warn({ funds: fundsKept }, 'funds beyond a lowered overdraft keep their old one');
  const serviceOrders = new ServiceOrders({ db, credits: ledger, now });
  const serviceLevels = new ServiceLevels({ db });
  const reports = new DistrictReports({
    db,
    levels: serviceLevels,
    utcOffsetMinutes: config.timebank.utcOffsetMinutes,
  });
  alertUpdates.subscribe(async (u) => {
    // A volunteer's answer to a resolved alert becomes a service record to rate and certify.
    if (u.change === 'closed') await serviceOrders.recordEmergencyResponse(u.alert);
  });
  const ingest = new IngestStage({
    db,
    catalog,
    settings: ingestSettings(config),
    conditionsOn: (condition): Promise<string[]> => healthAlerts.conditionsOn(condition),
    metrics,
    now,
    log,
    channelError,
  });
  const healthAlerts: HealthAlerts = new HealthAlerts({
    alerts,
    changes: ingest.healthChanges,
    logger: log('health'),
  });
  const detectors = new Detectors({
    db,
    alerts,
    readings: ingest.readings,
    events: ingest.events,
    now,
    logger: log('detectors'),
    rules: defaultDetectorRules,
  });
  const authenticator = new DeviceAuthenticator({ db, maxSlowChecks: config.maxSlowSecretChecks });
  const rememberSecret: SecretStored = (id, secret, hash) => authenticator.remember(id, secret, hash);
  const gateway = new MqttGateway({
    authenticator,
    intake: ingest.intake,
    metrics,
    logger: log('gateway'),
    maxPayloadBytes: config.maxPayloadBytes,
  });
  const notify = (deviceId: string, text: string) =>
    gateway.sendCommand(deviceId, { command: 'notify', text, level: 'alert' });
  const notices = new Channel<DispatchNotice>(channelError('dispatch'));
  const roster = new ResponderRoster({ db });
  const dispatcher = new Dispatcher({
    db,
    alerts,
    roster,
    updates: alertUpdates,
    notices,
    notify,
    timings: { offerExpiryMs: config.offerExpiryS * 1000, onSiteRadiusM: 100 },
    now,
    logger: log('dispatch'),
    tickMs: 1000,
  });
  const fallAlarms = new Channel<FallModelAlarm>(channelError('fall-alarms'));
  const inference = new InferencePool({
    readings: ingest.readings,
    hotWindows: ingest.hotWindows,
    alarms: fallAlarms,
    logger: log('inference'),
    options: config.inferenceWorkers ? { workers: config.inferenceWorkers } : {},
  });
  const fallAlerts = new FallAlerts({
    alarms: fallAlarms,
    readings: ingest.readings,
    alerts,
    notify,
    logger: log('fall-alerts'),
    now,
    rules: { cancelWindowMs: config.fallCancelWindowS * 1000 },
  });
  const eventAlerts = new EventAlerts({
    events: ingest.events,
    eventLog: ingest.eventLog,
    alerts,
    handlers: [fallAlerts],
    logger: log('dispatch'),
  });

  let ready = false;
  const app = await buildApp({
    logger,
    accounts,
    alerts,
    dispatcher,
    db,
    ledger,
    serviceOrders,
    serviceLevels,
    reports,
    district: new DistrictRegistry({
      db,
      catalog,
      now,
      secretStored: rememberSecret,
      applied: () =>
        Promise.all([ingest.districtChanged(), detectors.reload(), roster.load()])
          .then(() => undefined)
          .catch((error: unknown) => log('hub').error({ err: error }, 'district views not reloaded')),
    }),
    devices: new DeviceRegistry({
      db,
      catalog,
      now,
      revoked: async (id) => {
        ingest.health.forget(id);
        await healthAlerts.idle();
      },
      secretStored: rememberSecret,
      liveHealth: (id) => ingest.health.snapshot(id),
    }),
    gateway,
    metrics,
    vitals: ingest.history,
    now,
    isReady: () => ready,
    consolePage: readFileSync(new URL('../console/index.html', import.meta.url), 'utf8'),
    consoleDist: existsSync(`${consoleDist}index.html`) ? consoleDist : undefined,
    mapTileUrl: config.mapTileUrl,
  });
  const consoleFeed = new ConsoleFeed({ accounts, alerts: alertUpdates, notices, logger: log('console') });
  const responderFeed = new ResponderFeed({ accounts, dispatcher, notices, logger: log('responders') });
  responderFeed.attach(consoleFeed.attach(app.server));
  const mqttOverWebSocket = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (request.url?.split('?')[0] !== '/mqtt') return;
    mqttOverWebSocket.handleUpgrade(request, socket, head, (ws) => gateway.handle(createWebSocketStream(ws)));
  });

  // Device health announces conditions already at its start: their alerts must be listening.
  healthAlerts.start();
  await ingest.start();
  await detectors.start();
  await fallAlerts.start();
  await inference.start();
  await dispatcher.start();
  // Alerts resolved while no node recorded their volunteer's service (a crash in between).
  await serviceOrders.recordMissedEmergencyResponses(now() - 7 * 86_400_000);
  await eventAlerts.start();
  await gateway.start({
    host: config.host,
    mqttPort: config.mqttPort,
    tls:
      config.mqttTlsCert && config.mqttTlsKey
        ? {
            port: config.mqttTlsPort,
            cert: readFileSync(config.mqttTlsCert),
            key: readFileSync(config.mqttTlsKey),
          }
        : undefined,
  });
  await app.listen({ host: config.host, port: config.port, backlog: 4096 });
  const httpAddress = app.server.address();
  ready = true;

  return {
    config,
    store,
    app,
    gateway,
    authenticator,
    metrics,
    accounts,
    ingest,
    inference,
    dispatcher,
    addresses: {
      http: typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config.port,
      mqtt: gateway.addresses.mqtt ?? config.mqttPort,
      mqtts: gateway.addresses.mqtts,
    },
    async stop() {
      ready = false;
      eventAlerts.stop();
      await dispatcher.stop();
      // The pool's last alarms still reach FallAlerts, which raises any fall still in its cancel
      // window and can still tell the watch; events stored from here on are handled at the next start.
      await inference.stop();
      await fallAlerts.stop();
      await gateway.stop();
      await detectors.stop();
      await ingest.stop();
      await healthAlerts.stop();
      responderFeed.close();
      consoleFeed.close();
      for (const client of mqttOverWebSocket.clients) client.terminate();
      mqttOverWebSocket.close();
      await app.close();
      await store.close();
    },
  };
}
