import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { moveElderAlerts } from '../alerts/alert-book.js';
import { alertsDomain } from '../alerts/alerts-domain.js';
import type { HealthAlerts } from '../alerts/health-alerts.js';
import { consoleDomain } from '../console/console-domain.js';
import type { SignedInSockets } from '../console/socket-sessions.js';
import { type DeviceCatalog, loadDeviceCatalog } from '../devices/catalog.js';
import { dispatchDomain } from '../dispatch/dispatch-domain.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { DeviceAuthenticator } from '../gateway/device-authenticator.js';
import { gatewayDomain } from '../gateway/gateway-domain.js';
import type { MqttGateway } from '../gateway/mqtt-gateway.js';
import { careDefaultsOf, inferenceDomain } from '../inference/inference-domain.js';
import type { InferencePool } from '../inference/pool/index.js';
import type { WelfareChecks } from '../inference/welfare/welfare-checks.js';
import { ingestDomain } from '../ingest/ingest-domain.js';
import type { IngestStage } from '../ingest/ingest-stage.js';
import { personalDataRedaction } from '../kernel/log-redaction.js';
import { HubMetrics } from '../kernel/metrics.js';
import { AuditLog } from '../privacy/audit-log.js';
import { privacyDomain } from '../privacy/privacy-domain.js';
import type { Retention } from '../privacy/retention.js';
import type { Accounts } from '../registry/accounts.js';
import type { DistrictDirectory } from '../registry/district-directory.js';
import { registryDomain } from '../registry/registry-domain.js';
import { notifiedDevice } from '../registry/wearer-device.js';
import { reportsDomain } from '../reports/reports-domain.js';
import { moveOpenOrders } from '../services/service-order-book.js';
import { servicesDomain } from '../services/services-domain.js';
import { openStore, type Store } from '../store/database.js';
import { StoreNews } from '../store/store-news.js';
import { storeUnready } from '../store/store-probe.js';
import { moveElderAccount } from '../timebank/accounts.js';
import { memoColumns } from '../timebank/memos.js';
import { timebankDomain } from '../timebank/timebank-domain.js';
import { buildApp } from './app.js';
import type { HubConfig } from './config.js';
import { ElderWork } from './elder-work.js';
import { HttpServer } from './http-server.js';
import {
  dispatchTimings,
  gatewaySettings,
  inferenceSettings,
  ingestSettings,
  noticeWebhookSettings,
  pushSettings,
  registrySettings,
  retentionSettings,
} from './settings.js';
import { StageList } from './stage-list.js';

export interface HubOptions {
  logger?: Logger;
  now?: () => number;
  /**
   * Simulated milliseconds of `now` per wall millisecond (the district simulator's faster clock):
   * fall windows and the radar's rules then last their span of that clock. 1 when unset.
   */
  clockSpeed?: number;
  /** SQLite file name inside dataDir (`:memory:` in tests). */
  sqliteFile?: string;
  /** The device types (tests and tools may add their own); `devices/types/` when unset. */
  catalog?: DeviceCatalog;
}

export interface Hub {
  config: HubConfig;
  store: Store;
  app: FastifyInstance;
  gateway: MqttGateway;
  authenticator: DeviceAuthenticator;
  metrics: HubMetrics;
  accounts: Accounts;
  district: DistrictDirectory;
  ingest: IngestStage;
  inference: InferencePool;
  dispatcher: Dispatcher;
  /** Scheduled check-ins and medication reminders on the watch (`tick()` for tests with a set clock). */
  welfare: WelfareChecks;
  /** Deletes each kind of personal data after its retention (hourly). */
  retention: Retention;
  /** Who has a live socket (console or responder app) signed in. */
  sockets: SignedInSockets;
  /** Whose per-elder work this process does (every elder's, but in cluster mode). */
  elders: ElderWork;
  /** Where it listens (ports resolved when 0 was asked for). */
  addresses: { http: number; mqtt: number; mqtts?: number | undefined };
  stop(): Promise<void>;
  /** While `stop()` runs: the stage it is waiting for. */
  stopping(): string | undefined;
}

const consoleDist = fileURLToPath(new URL('../console/dist/', import.meta.url));

/**
 * Assembles one hub node from its domains — each a factory that returns its stages and its
 * routes — then starts the stages in the order of the list below; `stop()` runs it in reverse.
 */
export async function startHub(config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const logger =
    options.logger ?? pino({ level: config.logLevel, base: null, redact: personalDataRedaction });
  const now = options.now ?? Date.now;
  const log = (component: string) => logger.child({ component });
  const channelError = (name: string) => (error: unknown) =>
    log('hub').error({ err: error, channel: name }, 'stage failed');

  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteFile: options.sqliteFile,
    onConnectionError: (error) => log('store').warn({ err: error }, 'a database connection was dropped'),
  });
  const { db } = store;
  const catalog = options.catalog ?? (await loadDeviceCatalog());
  const metrics = new HubMetrics();
  // Built first: every domain that answers a person's record records the read here.
  const audit = new AuditLog({ db, now });

  // Built in dependency order; a few arrows point back (the gateway remembers secrets the
  // registry writes, device health asks the alerts what was on): closures, called after start.
  const clockSpeed = options.clockSpeed ?? 1;
  const inferenceConfig = {
    ...inferenceSettings(config),
    ...(clockSpeed === 1 ? {} : { timerMs: (hubMs: number) => hubMs / clockSpeed }),
  };
  const registry = registryDomain({
    db,
    catalog,
    settings: registrySettings(config),
    now,
    logger: log('accounts'),
    onError: channelError('district'),
    secretStored: (id, secret, hash) => gateway.authenticator.remember(id, secret, hash),
    // What is the elder's elsewhere follows them to their new unit, in the document's transaction.
    elderMoved: async (trx, { elderId, to }) => {
      await moveElderAlerts(trx, elderId, to);
      await moveElderAccount(trx, elderId, to);
      await moveOpenOrders(trx, elderId, to, now());
    },
    liveHealth: (id) => ingest.ingest.health.snapshot(id),
    audit,
    auditIn: (trx, access) => audit.recordIn(trx, access),
    taskElderOf: async (id) => (await dispatch.dispatcher.currentTask(id))?.elder.id ?? null,
    careDefaults: careDefaultsOf(inferenceConfig),
  });
  // Several processes on one PostgreSQL store: a district change made through one is caught up by
  // the others at once (their rechecks of live sockets, detectors and roster follow), not a minute on.
  const districtNews = config.databaseUrl
    ? new StoreNews({
        databaseUrl: config.databaseUrl,
        channel: 'yiyang_district_changed',
        heard: () => registry.directory.catchUpNow(),
        logger: log('district'),
      })
    : undefined;
  registry.directory.changed.subscribe((update) => {
    if (update.reason !== 'reloaded') districtNews?.tell();
  });
  // One process: every elder's work is here. Cluster mode: each partition's elders on one process.
  const elderWork = new ElderWork({
    config,
    district: registry.directory,
    logger: log('cluster'),
    channelError,
  });
  const { clustered } = elderWork;
  const ingest = ingestDomain({
    db,
    catalog,
    district: registry.directory,
    watched: elderWork.carried && { ...elderWork.carried, owns: elderWork.ownsDevice },
    settings: ingestSettings(config),
    conditionsOn: (condition): Promise<string[]> => healthAlerts.conditionsOn(condition),
    metrics,
    now,
    log,
    channelError,
    audit,
  });
  const gateway = gatewayDomain({
    db,
    intake: ingest.ingest.intake,
    admission: ingest.ingest.admission,
    devices: registry.devices,
    districtChanges: registry.directory.changed,
    metrics,
    logger: log('gateway'),
    settings: gatewaySettings(config),
  });
  const perElder = elderWork.connect(ingest.ingest);
  const alerts = alertsDomain({
    db,
    now,
    log,
    channelError,
    metrics,
    events: perElder.events,
    ownsEvent: clustered ? elderWork.ownsEvent : undefined,
    eventLog: ingest.ingest.eventLog,
    healthChanges: ingest.ingest.healthChanges,
  });
  const healthAlerts: HealthAlerts = alerts.health;
  const inference = inferenceDomain({
    db,
    catalog,
    district: registry.directory,
    alerts: alerts.alerts,
    eventAlerts: alerts.events,
    readings: perElder.readings,
    events: perElder.events,
    hotWindows: perElder.hotWindows,
    ownership: clustered
      ? { homes: elderWork.homes(), owns: elderWork.owns, changed: elderWork.ownership.changed }
      : undefined,
    notify: gateway.notify,
    command: (deviceId, command, commandId) => gateway.gateway.sendCommand(deviceId, command, commandId),
    audit,
    auditIn: (trx, access) => audit.recordIn(trx, access),
    now,
    log,
    channelError,
    settings: inferenceConfig,
  });
  const dispatch = dispatchDomain({
    db,
    alerts: alerts.alerts,
    updates: alerts.updates,
    district: registry.directory,
    notify: gateway.notify,
    timings: dispatchTimings(config),
    now,
    logger: log('dispatch'),
    channelError,
    audit,
    metrics,
    careRecords: registry.careRecords,
    webhook: noticeWebhookSettings(config),
    names: registry.names,
    push: pushSettings(config),
    cluster: clustered ? { owns: elderWork.owns } : undefined,
  });
  const timebank = timebankDomain({
    store,
    now,
    rules: config.timebank,
    logger: log('timebank'),
    kinships: (username) => registry.careRecords.kinships(db, username),
  });
  const services = servicesDomain({
    db,
    credits: timebank.ledger,
    updates: alerts.updates,
    now,
    utcOffsetMinutes: config.timebank.utcOffsetMinutes,
    logger: log('services'),
    onSiteRadiusM: dispatchTimings(config).onSiteRadiusM,
    watchOf: (elderId) => notifiedDevice(registry.directory, elderId),
    send: (deviceId, command, commandId) => gateway.gateway.sendCommand(deviceId, command, commandId),
  });
  const privacy = privacyDomain({
    db,
    audit,
    eventLog: ingest.ingest.eventLog,
    directory: registry.directory,
    careRecords: registry.careRecords,
    correctionMemo: (params) => memoColumns({ code: 'correction', params }),
    retention: retentionSettings(config),
    now,
    logger: log('privacy'),
    leads: clustered ? () => elderWork.ownership.leads() : undefined,
  });
  const reports = reportsDomain({ db, now, utcOffsetMinutes: config.timebank.utcOffsetMinutes });
  const consoleSide = consoleDomain({
    db,
    accounts: registry.accounts,
    districtChanged: registry.directory.changed,
    updates: alerts.updates,
    notices: dispatch.notices,
    dispatcher: dispatch.dispatcher,
    log,
    now,
    mapTileUrl: config.mapTileUrl,
    utcOffsetMinutes: config.timebank.utcOffsetMinutes,
    catalog,
    redisUrl: config.redisUrl,
  });
  metrics.sampleAtScrape(() => metrics.partitionsHeld.set(elderWork.owned.length));
  const heardRelay = elderWork.heardRelay(ingest.ingest.heard, ingest.ingest.health);
  // Partitions taken over: their unhandled events are handled, their devices' silence watched from now.
  elderWork.onTakeOver(
    () => alerts.events.takeOver(),
    () => ingest.ingest.health.takeOver(),
    () => inference.fallAlerts.takeOver(),
  );

  let ready = false;
  const domains = [
    registry,
    ingest,
    gateway,
    alerts,
    inference,
    dispatch,
    timebank,
    services,
    reports,
    privacy,
    consoleSide,
  ];
  const app = await buildApp({
    logger,
    accounts: registry.accounts,
    metrics,
    isReady: () => ready,
    unready: () => storeUnready(store.db),
    degraded: () => {
      const timeSeries = ingest.ingest.timeSeriesUnavailable();
      const cluster = elderWork.degraded();
      return [
        ...(timeSeries === null ? [] : [`timeseries_unavailable: ${timeSeries}`]),
        ...(cluster === null ? [] : [cluster]),
      ];
    },
    metricsToken: config.metricsToken,
    routes: domains.flatMap((d) => d.routes),
    consolePage: readFileSync(new URL('../console/index.html', import.meta.url), 'utf8'),
    consoleDist: existsSync(`${consoleDist}index.html`) ? consoleDist : undefined,
    mapTileUrl: config.mapTileUrl,
    trustProxy: config.trustProxy,
  });
  const http = new HttpServer({
    app,
    host: config.host,
    port: config.port,
    upgrades: [consoleSide.feeds, gateway.webSocket],
  });

  // The start order. Readers of a channel start before those who publish on it at their start;
  // intake (MQTT, then HTTP) opens last, so it is the first to close.
  const stages = new StageList(log('hub'), [
    ['district', registry.stages.directory],
    ...(districtNews ? [['district news', districtNews] as const] : []),
    ['first admin', registry.stages.firstAdmin],
    ['time bank', timebank.stages.funds],
    ['health alerts', alerts.stages.health], // device health announces conditions at its start
    ['ingest', ingest.stages.ingest],
    ['detectors', inference.stages.detectors],
    ['fall alerts', inference.stages.fallAlerts],
    ['fall model', inference.stages.pool],
    ['push keys', dispatch.stages.vapidKeys],
    ['push', dispatch.stages.push], // listens for offers before dispatch makes any
    // Stops after dispatch: a ladder step while stopping still has its notices worked.
    ...(dispatch.stages.webhook ? [['notice webhook', dispatch.stages.webhook] as const] : []),
    ['dispatch', dispatch.stages.dispatcher],
    ['emergency responses', services.stages.emergencyResponses],
    ['recurring requests', services.stages.recurring],
    ['retention', privacy.stages.retention],
    ['event alerts', alerts.stages.events], // replays stored events: everything it feeds is listening
    ['welfare checks', inference.stages.welfare], // after the replay: a stored answer is counted before its deadline
    // Cluster mode: every per-elder stage is listening when this process takes its first partitions.
    ...(elderWork.stage ? [['partitions', elderWork.stage] as const] : []),
    ...(heardRelay ? [['heard relay', heardRelay] as const] : []),
    ['mqtt', gateway.stages.gateway],
    ['http', http],
  ]);
  await stages.start();
  ready = true;
  let closingStore = false;

  return {
    config,
    store,
    app,
    gateway: gateway.gateway,
    authenticator: gateway.authenticator,
    metrics,
    accounts: registry.accounts,
    district: registry.directory,
    ingest: ingest.ingest,
    inference: inference.pool,
    dispatcher: dispatch.dispatcher,
    welfare: inference.welfare,
    retention: privacy.retention,
    sockets: consoleSide.sockets,
    elders: elderWork,
    addresses: {
      http: http.address,
      mqtt: gateway.gateway.addresses.mqtt ?? config.mqttPort,
      mqtts: gateway.gateway.addresses.mqtts,
    },
    async stop() {
      ready = false;
      await stages.stop();
      closingStore = true;
      await store.close();
      closingStore = false;
    },
    stopping: () => stages.stopping ?? (closingStore ? 'store' : undefined),
  };
}
