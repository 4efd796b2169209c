import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type TimebankRules, timebankRulesFromEnv } from '../timebank/rules.js';

const port = z.coerce.number().int().min(0).max(65535);
/** On or off: `true`/`false`/`1`/`0` from the environment, a boolean from code. */
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .or(z.boolean())
    .default(fallback);
const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine(
      (u) => protocols.some((p) => u.startsWith(`${p}:`)),
      `must start with ${protocols.join(': or ')}:`,
    );

/** Everything the hub can be told, with its embedded default. Read once at start. */
export const configSchema = z.object({
  host: z.string().min(1).default('0.0.0.0'),
  port: port.default(8080),
  mqttPort: port.default(1883),
  mqttTlsPort: port.default(8883),
  mqttTlsCert: z.string().optional(),
  mqttTlsKey: z.string().optional(),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: url(['postgres', 'postgresql']).optional(),
  /** Cluster mode: many hub processes on one district, coordinated through Redis (needs DATABASE_URL). */
  redisUrl: url(['redis', 'rediss']).optional(),
  /**
   * Hub processes on this machine sharing the HTTP and MQTT ports (node:cluster): a number, or `auto`
   * for one per core. More than one needs REDIS_URL and DATABASE_URL.
   */
  hubProcesses: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)]).default(1),
  /**
   * Elders are hashed over this many partitions, each owned by one live hub process. Fixed for the
   * life of a district: every process must agree (change it only with every process stopped).
   */
  clusterPartitions: z.coerce.number().int().min(1).max(4096).default(64),
  /**
   * A hub process whose partition lease has not checked in for this many seconds (hung, frozen, its
   * machine unreachable) is ended by the others, who take its partitions. Each checks every 2 s.
   */
  clusterLeaseTimeoutS: z.coerce.number().int().min(6).max(600).default(15),
  influxUrl: url(['http', 'https']).optional(),
  influxToken: z.string().optional(),
  influxOrg: z.string().min(1).default('yiyang'),
  influxBucket: z.string().min(1).default('telemetry'),
  influxWriteAccel: flag(false),
  influxMaxBufferLines: z.coerce.number().int().min(1000).max(10_000_000).default(32_000),
  rollupRetentionDays: z.coerce.number().int().min(1).max(3650).default(400),
  /** Handled raw device events are deleted after this many days; 0 keeps them. */
  eventRetentionDays: z.coerce.number().int().min(0).max(3650).default(90),
  /** A closed alert's timeline, offers and evidence are deleted after this many days; 0 (default) keeps them. */
  closedAlertRetentionDays: z.coerce.number().int().min(0).max(3650).default(0),
  /** Audit log entries (reads of a person's record) are deleted after this many days; 0 keeps them. */
  auditRetentionDays: z.coerce.number().int().min(0).max(36500).default(1095),
  /** Slow secret checks queued at most during a reconnect storm; beyond, CONNACK 3 (retry later). */
  maxSlowSecretChecks: z.coerce.number().int().min(1).max(100_000).default(256),
  /** Telemetry handled a second at most, all devices together; beyond it, shed as under overload (0: no cap). */
  telemetryMaxPerS: z.coerce.number().min(0).max(10_000_000).default(0),
  /** One device's telemetry beyond this many messages a second (bursts of 5 s) is dropped and answered. */
  deviceTelemetryPerS: z.coerce.number().min(1).max(1_000_000).default(10),
  /** One device's events beyond this many a second (bursts of 30) are dropped and answered. */
  deviceEventsPerS: z.coerce.number().min(0.1).max(1_000_000).default(2),
  /** Inference worker threads; 0 = cores − 1 (at least 1). */
  inferenceWorkers: z.coerce.number().int().min(0).max(64).default(0),
  /** An offer not accepted within this moves the escalation ladder on. */
  offerExpiryS: z.coerce.number().int().min(5).max(3600).default(45),
  /** A responder who took a task is expected at the door after the way at walking pace plus this. */
  arrivalGraceS: z.coerce.number().int().min(0).max(3600).default(300),
  /**
   * A responder whose app lost its connection this long ago gets no more offers (the phone was
   * closed or lost its network: an offer there reaches nobody) until the app connects again.
   */
  appOfflineGraceS: z.coerce.number().int().min(1).max(3600).default(60),
  /** After a fall detected on the watch, how long the wearer has to press "I'm OK". */
  fallCancelWindowS: z.coerce.number().int().min(0).max(600).default(30),
  /** The home's radar is consulted while a watch's fall waits out its cancel window. */
  fallRadarFusion: flag(true),
  /** The radar seeing the person lying this long after a watch's fall raises it before the window ends. */
  fallLyingEscalateS: z.coerce.number().int().min(1).max(600).default(10),
  /** The radar seeing the person up and alone this long before the window ends: the fall is not raised. */
  fallUprightCancelS: z.coerce.number().int().min(1).max(600).default(15),
  /** A radar reading older than this says nothing about the fall (radars report every few seconds). */
  fallRadarStaleS: z.coerce.number().int().min(1).max(600).default(10),
  /** The console map's tiles, e.g. `https://tiles.example/{z}/{x}/{y}.png`; unset: the map stays offline. */
  mapTileUrl: z
    .string()
    .refine(
      (url) => /^(https?:\/\/|\/)\S+$/.test(url) && ['{z}', '{x}', '{y}'].every((p) => url.includes(p)),
      'must be an http(s) or /path URL template with {z}, {x} and {y}',
    )
    .optional(),
  /** Where each offer and family escalation is POSTed as signed JSON (the district's SMS/WeChat bridge). */
  noticeWebhookUrl: url(['http', 'https']).optional(),
  /** The HMAC-SHA256 key both the hub and the receiver hold. */
  noticeWebhookSecret: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The first retry of a notice the receiver did not take waits this long; each next one twice as long (≤ 5 min). */
  noticeWebhookRetryS: z.coerce.number().min(0.05).max(300).default(2),
  /** A family escalation the receiver has not taken within this is given up (counted as a dead letter). */
  noticeWebhookGiveUpMin: z.coerce
    .number()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  /**
   * Who the hub says it is to the push services (the VAPID subject): a `mailto:` or `https:` contact
   * of the operator. Apple's push service refuses pushes without a real one.
   */
  pushSubject: z
    .string()
    .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'must be a mailto: address or an https: URL')
    .default('mailto:operator@yiyang.invalid'),
  /** Push service hosts (and their subdomains) a responder's subscription may point at, comma-separated. */
  pushServiceHosts: z
    .string()
    .regex(/^[a-z0-9.-]+(,\s*[a-z0-9.-]+)*$/i, 'must be host names, comma-separated')
    .default('fcm.googleapis.com,updates.push.services.mozilla.com,push.apple.com,notify.windows.com'),
  /** The first retry of a push the push service did not take waits this long; each next one twice as long (≤ 1 min). */
  pushRetryS: z.coerce.number().min(0.05).max(60).default(1),
  /** PEM file of extra certificate authorities for push services (a push relay inside the district's network). */
  pushCaFile: z.string().optional(),
  adminPassword: z.string().min(8, 'must be at least 8 characters').optional(),
  /** The bearer a scraper of /metrics sends; unset, /metrics answers this machine (loopback) only. */
  metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * scrypt's N for passwords (r=8, p=3: OWASP's N=2^15 setting). Raise it for more cost; stored
   * hashes are raised at the next sign-in. Lower only in tests: each sign-in costs this much work.
   */
  passwordScryptN: z.coerce
    .number()
    .int()
    .refine(
      (n) => n >= 1024 && n <= 1 << 20 && (n & (n - 1)) === 0,
      'must be a power of 2 from 1024 to 1048576',
    )
    .default(1 << 15),
  /**
   * The reverse proxy in front of the hub (addresses or CIDRs, comma-separated, e.g. `127.0.0.1`):
   * the caller's address is then taken from its `X-Forwarded-For`. Unset, the connection's address.
   */
  trustProxy: z
    .string()
    .regex(/^[0-9a-fA-F:./]+(,\s*[0-9a-fA-F:./]+)*$/, 'must be addresses or CIDRs, comma-separated')
    .optional(),
  /** Sign-in attempts one network address may make per minute (any usernames); more get 429. */
  signInsPerIpPerMin: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** Volunteer sign-ups one network address may send per hour; more get 429. */
  signUpsPerIpPerHour: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** Volunteer sign-ups per phone number per day (whatever their outcome); more get 429. */
  signUpsPerPhonePerDay: z.coerce.number().int().min(1).max(1000).default(3),
  /** How long a console login lasts. */
  tokenTtlHours: z.coerce
    .number()
    .min(0.001)
    .max(24 * 30)
    .default(12),
  /**
   * While many devices send, the MQTT gateway waits this long between polls of its sockets when it has
   * little to do, so that one wake reads many of them (0: never waits).
   */
  mqttReadWaitMs: z.coerce.number().min(0).max(10).default(1),
  /** Payloads above this are dropped and answered on the error topic (protocol: 64 KiB). */
  maxPayloadBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1 << 20)
    .default(64 * 1024),
});

/** The settings above, plus the time bank's credit rules (their own schema, same environment). */
export type HubConfig = z.infer<typeof configSchema> & { timebank: TimebankRules };

/** The environment variable that sets each key (the operator interface names). */
export const environmentNames: Record<keyof z.infer<typeof configSchema>, string> = {
  host: 'HOST',
  port: 'PORT',
  mqttPort: 'MQTT_PORT',
  mqttTlsPort: 'MQTT_TLS_PORT',
  mqttTlsCert: 'MQTT_TLS_CERT',
  mqttTlsKey: 'MQTT_TLS_KEY',
  dataDir: 'DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  hubProcesses: 'HUB_PROCESSES',
  clusterPartitions: 'CLUSTER_PARTITIONS',
  clusterLeaseTimeoutS: 'CLUSTER_LEASE_TIMEOUT_S',
  influxUrl: 'INFLUX_URL',
  influxToken: 'INFLUX_TOKEN',
  influxOrg: 'INFLUX_ORG',
  influxBucket: 'INFLUX_BUCKET',
  influxWriteAccel: 'INFLUX_WRITE_ACCEL',
  influxMaxBufferLines: 'INFLUX_MAX_BUFFER_LINES',
  rollupRetentionDays: 'ROLLUP_RETENTION_DAYS',
  eventRetentionDays: 'EVENT_RETENTION_DAYS',
  closedAlertRetentionDays: 'CLOSED_ALERT_RETENTION_DAYS',
  auditRetentionDays: 'AUDIT_RETENTION_DAYS',
  maxSlowSecretChecks: 'MAX_SLOW_SECRET_CHECKS',
  telemetryMaxPerS: 'TELEMETRY_MAX_PER_S',
  deviceTelemetryPerS: 'DEVICE_TELEMETRY_PER_S',
  deviceEventsPerS: 'DEVICE_EVENTS_PER_S',
  inferenceWorkers: 'INFERENCE_WORKERS',
  fallCancelWindowS: 'FALL_CANCEL_WINDOW_S',
  fallRadarFusion: 'FALL_RADAR_FUSION',
  fallLyingEscalateS: 'FALL_LYING_ESCALATE_S',
  fallUprightCancelS: 'FALL_UPRIGHT_CANCEL_S',
  fallRadarStaleS: 'FALL_RADAR_STALE_S',
  offerExpiryS: 'OFFER_EXPIRY_S',
  arrivalGraceS: 'ARRIVAL_GRACE_S',
  appOfflineGraceS: 'APP_OFFLINE_GRACE_S',
  mapTileUrl: 'MAP_TILE_URL',
  noticeWebhookUrl: 'NOTICE_WEBHOOK_URL',
  noticeWebhookSecret: 'NOTICE_WEBHOOK_SECRET',
  noticeWebhookRetryS: 'NOTICE_WEBHOOK_RETRY_S',
  noticeWebhookGiveUpMin: 'NOTICE_WEBHOOK_GIVE_UP_MIN',
  pushSubject: 'PUSH_SUBJECT',
  pushServiceHosts: 'PUSH_SERVICE_HOSTS',
  pushRetryS: 'PUSH_RETRY_S',
  pushCaFile: 'PUSH_CA_FILE',
  adminPassword: 'ADMIN_PASSWORD',
  metricsToken: 'METRICS_TOKEN',
  logLevel: 'LOG_LEVEL',
  tokenTtlHours: 'TOKEN_TTL_HOURS',
  passwordScryptN: 'PASSWORD_SCRYPT_N',
  signInsPerIpPerMin: 'SIGN_INS_PER_IP_PER_MIN',
  signUpsPerIpPerHour: 'SIGN_UPS_PER_IP_PER_HOUR',
  signUpsPerPhonePerDay: 'SIGN_UPS_PER_PHONE_PER_DAY',
  trustProxy: 'TRUST_PROXY',
  mqttReadWaitMs: 'MQTT_READ_WAIT_MS',
  maxPayloadBytes: 'MAX_PAYLOAD_BYTES',
};

export class ConfigError extends Error {}

/** A command's configuration from its environment: a bad value prints what is wrong and exits with 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): HubConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

/**
 * Defaults, then the environment, then explicit overrides (tests, the demo).
 * A bad value stops the start with a message naming the variable.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = {},
  overrides: Partial<z.infer<typeof configSchema>> = {},
): HubConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(environmentNames)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  Object.assign(raw, overrides);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]) as keyof typeof environmentNames;
      const where = key in overrides ? key : (environmentNames[key] ?? key);
      return `${where}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  let timebank: TimebankRules;
  try {
    timebank = timebankRulesFromEnv(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const config = { ...parsed.data, timebank };
  // Many processes share one district only through engines every process reaches: SQLite is one
  // process's file, and without Redis a device on one process could not be commanded from another.
  if (config.redisUrl && !config.databaseUrl) {
    throw new ConfigError(
      'invalid configuration:\n  REDIS_URL: cluster mode needs DATABASE_URL (PostgreSQL) as the store',
    );
  }
  if (config.hubProcesses !== 1 && !config.redisUrl) {
    throw new ConfigError(
      'invalid configuration:\n  HUB_PROCESSES: more than one process needs REDIS_URL and DATABASE_URL',
    );
  }
  if (Boolean(config.noticeWebhookUrl) !== Boolean(config.noticeWebhookSecret)) {
    throw new ConfigError(
      'invalid configuration:\n  NOTICE_WEBHOOK_URL and NOTICE_WEBHOOK_SECRET must be set together (an unsigned notice could be forged)',
    );
  }
  if (Boolean(config.mqttTlsCert) !== Boolean(config.mqttTlsKey)) {
    throw new ConfigError('invalid configuration:\n  MQTT_TLS_CERT and MQTT_TLS_KEY must be set together');
  }
  for (const key of ['mqttTlsCert', 'mqttTlsKey', 'pushCaFile'] as const) {
    const file = config[key];
    if (file) {
      try {
        readFileSync(file);
      } catch (error) {
        throw new ConfigError(
          `invalid configuration:\n  ${environmentNames[key]}: cannot read ${file} (${(error as Error).message})`,
        );
      }
    }
  }
  return config;
}
