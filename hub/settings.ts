import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { type DispatchTimings, defaultDispatchTimings } from '../dispatch/dispatch-timings.js';
import type { NoticeWebhookSettings } from '../dispatch/notice-webhook.js';
import type { PushSettings } from '../dispatch/push/offer-push.js';
import type { GatewaySettings } from '../gateway/gateway-domain.js';
import type { InferenceSettings } from '../inference/inference-domain.js';
import type { IngestSettings } from '../ingest/ingest-domain.js';
import { passwordCost } from '../kernel/secret-hash.js';
import type { RetentionSettings } from '../privacy/privacy-domain.js';
import type { RegistrySettings } from '../registry/registry-domain.js';
import type { HubConfig } from './config.js';

/** The configuration, read once, handed to each domain as its own settings (no domain reads the config). */

export function registrySettings(config: HubConfig): RegistrySettings {
  return {
    tokenTtlMs: config.tokenTtlHours * 3_600_000,
    adminPassword: config.adminPassword,
    reloadMs: 60_000,
    passwordCost: { ...passwordCost, N: config.passwordScryptN },
    signInsPerIpPerMin: config.signInsPerIpPerMin,
    signUpsPerIpPerHour: config.signUpsPerIpPerHour,
    signUpsPerPhonePerDay: config.signUpsPerPhonePerDay,
  };
}

export function ingestSettings(config: HubConfig): IngestSettings {
  return {
    maxPayloadBytes: config.maxPayloadBytes,
    telemetryMaxPerS: config.telemetryMaxPerS,
    rollupRetentionDays: config.rollupRetentionDays,
    deviceTelemetryPerS: config.deviceTelemetryPerS,
    deviceEventsPerS: config.deviceEventsPerS,
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

export function gatewaySettings(config: HubConfig): GatewaySettings {
  return {
    listen: {
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
    },
    maxPayloadBytes: config.maxPayloadBytes,
    readWaitMs: config.mqttReadWaitMs,
    maxSlowSecretChecks: config.maxSlowSecretChecks,
    trustProxy: config.trustProxy,
    redisUrl: config.redisUrl,
  };
}

export function inferenceSettings(config: HubConfig): InferenceSettings {
  return {
    workers: config.inferenceWorkers,
    fallCancelWindowMs: config.fallCancelWindowS * 1000,
    fallFusion: {
      fusion: config.fallRadarFusion,
      lyingEscalateMs: config.fallLyingEscalateS * 1000,
      uprightCancelMs: config.fallUprightCancelS * 1000,
      radarStaleMs: config.fallRadarStaleS * 1000,
    },
    utcOffsetMinutes: config.timebank.utcOffsetMinutes,
  };
}

export function dispatchTimings(config: HubConfig): DispatchTimings {
  return {
    ...defaultDispatchTimings,
    offerExpiryMs: config.offerExpiryS * 1000,
    appOfflineGraceMs: config.appOfflineGraceS * 1000,
    arrival: { ...defaultDispatchTimings.arrival, graceMs: config.arrivalGraceS * 1000 },
  };
}

/** Unset unless both the receiver's URL and the shared secret are configured. */
export function noticeWebhookSettings(config: HubConfig): NoticeWebhookSettings | undefined {
  if (!config.noticeWebhookUrl || !config.noticeWebhookSecret) return undefined;
  return {
    url: config.noticeWebhookUrl,
    secret: config.noticeWebhookSecret,
    retryBaseMs: config.noticeWebhookRetryS * 1000,
    retryMaxMs: 300_000,
    timeoutMs: 5_000,
    pollMs: 1_000,
    escalationGiveUpMs: config.noticeWebhookGiveUpMin * 60_000,
  };
}

export function pushSettings(config: HubConfig): PushSettings {
  return {
    subject: config.pushSubject,
    serviceHosts: config.pushServiceHosts.split(',').map((h) => h.trim().toLowerCase()),
    agent: config.pushCaFile
      ? new Agent({ ca: readFileSync(config.pushCaFile), keepAlive: true })
      : undefined,
    retryBaseMs: config.pushRetryS * 1000,
    retryMaxMs: 60_000,
    timeoutMs: 5_000,
    pollMs: 1_000,
  };
}

export function retentionSettings(config: HubConfig): RetentionSettings {
  return {
    deviceEventDays: config.eventRetentionDays,
    closedAlertDays: config.closedAlertRetentionDays,
    auditDays: config.auditRetentionDays,
    sweepMs: 3_600_000,
  };
}
