/**
 * When a load step counts as sustained: one rule for the ingest and fleet benchmarks, so that
 * their "largest fleet sustained" figures mean the same thing.
 */
import { round } from './stats.js';

/** Telemetry shed, plus telemetry not read within `graceMs` of the last send: at most this share of what was sent. */
export const maxLoss = 0.01;
export const graceMs = 1_000;
/** The load side, not the broker, is the bottleneck when its send loop runs this late (p99). */
export const loadLateMs = 100;

/** A benchmark's numeric knob from the environment, or its default. */
export const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** A measured window's telemetry lost, in % (2 decimals): what the sustained rule judges. */
export interface TelemetryLoss {
  /** Shed by the hub: a share of what it received during the measured seconds. */
  shedPercent: number;
  /** Not yet read `graceMs` after the last send: a share of everything sent since the window's start. */
  unreadPercent: number;
  /** shed + unread + not sent at all (the client's connection had closed). */
  lossPercent: number;
}

/**
 * The telemetry a window lost, from what the load sent (and skipped) since the window's start, what the broker
 * read in that time, and what it received and shed during the measured seconds.
 */
export function telemetryLoss(counts: {
  sent: number;
  skipped: number;
  readSinceStart: number;
  measuredReceived: number;
  measuredShed: number;
}): TelemetryLoss {
  const { sent, skipped } = counts;
  const shedPercent = round((100 * counts.measuredShed) / Math.max(1, counts.measuredReceived), 2);
  const unreadPercent = round((100 * Math.max(0, sent - counts.readSinceStart)) / Math.max(1, sent), 2);
  const lossPercent = round(shedPercent + unreadPercent + (100 * skipped) / Math.max(1, sent + skipped), 2);
  return { shedPercent, unreadPercent, lossPercent };
}
